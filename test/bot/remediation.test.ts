import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ADMIN, type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PROD } from '../helpers/bot-world.js';
import type { PostedMessage } from '../helpers/fake-slack.js';
import { sharedWith } from '../helpers/sandbox.js';
import { viewSubmission } from '../helpers/slack-requests.js';

const remediation = suite('bot: Remediate from an alert, and Undo from its thread');

const blockText = (m: { blocks?: unknown } | undefined) =>
  JSON.stringify(m?.blocks ?? [])
    .replace(/\\n/g, '\n')
    .replace(/\\"/g, '"');

async function withBot(test: (bot: BotUnderTest) => Promise<void>) {
  const bot = await startBot(botWorld(), botConfig('remediation: { enabled: true }\n'), { channelSpacingMs: 0 });
  bot.slack.groups.set('S0SECTEAM', []);
  try {
    const scan = await bot.command('scan', MEMBER);
    await bot.slack.waitForResponse(scan.responseName);
    await bot.system.bot.notifier.idle();
    await test(bot);
  } finally {
    await bot.stop();
  }
}

const alertOf = (bot: BotUnderTest, alias: string) =>
  bot.slack.messages.find((m) => m.threadTs === undefined && m.text.includes(alias)) as PostedMessage;

/** Clicks Remediate and resolves with the modal once it shows the plan. */
async function openPlan(bot: BotUnderTest, alert: PostedMessage) {
  const updatesBefore = bot.slack.callsOf('views.update').length;
  await bot.click(ADMIN, alert, { action_id: 'kms_remediate', value: 'forged' });
  const [opened] = await bot.slack.waitForCalls('views.open', 1);
  assert.match(JSON.stringify(opened?.params.view), /Reading .* as it is now/);
  const updates = await bot.slack.waitForCalls('views.update', updatesBefore + 1);
  const update = updates.at(-1);
  return {
    viewId: String(update?.params.view_id),
    view: update?.params.view as { callback_id: string; private_metadata: string; submit?: unknown; blocks: unknown[] },
  };
}

remediation('an admin remediates from the alert: the plan in a modal, Apply, the result, the thread with Undo', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    assert.match(blockText(alert), /kms_remediate/, 'with remediation enabled, alerts offer Remediate');
    const { viewId, view } = await openPlan(bot, alert);
    const planText = blockText(view);
    assert.match(planText, /statement "Shared": remove 999999999999/);
    assert.match(planText, /AWS calls: kms:PutKeyPolicy/);
    assert.ok(view.submit !== undefined, 'it can be applied');
    const submitted = await bot.interaction(
      viewSubmission(ADMIN, { id: viewId, callback_id: view.callback_id, private_metadata: view.private_metadata }, {}),
    );
    assert.is(submitted.json?.response_action, 'update');
    assert.match(JSON.stringify(submitted.json?.view), /Applying/);
    const again = await bot.interaction(
      viewSubmission(ADMIN, { id: viewId, callback_id: view.callback_id, private_metadata: view.private_metadata }, {}),
    );
    assert.is(again.status, 200, 'a second submission acts once');
    const updates = await bot.slack.waitForCalls('views.update', 2);
    assert.match(JSON.stringify(updates.at(-1)?.params.view), /applied: the key policy was replaced/);
    assert.equal(JSON.parse(bot.sandbox.keyState(PROD, 'us-east-1', KEYS.shared)?.policy ?? '{}').Statement.length, 1);
    assert.is(bot.system.record.remediations(10).length, 1);
    await bot.system.bot.notifier.idle();
    const replies = bot.slack.messages.filter((m) => m.threadTs === alert.ts);
    const told = replies.find((m) => blockText(m).includes('Remediated by <@U0ADMIN>'));
    assert.ok(told, blockText(replies.at(-1)));
    assert.match(blockText(told), /kms_undo_remediation/);
    assert.not.match(blockText(alertOf(bot, 'alias/payments')), /kms_remediate/, 'nothing open: no buttons');

    const id = bot.system.record.remediations(1)[0]?.id ?? '';
    const undo = await bot.click(ADMIN, told as PostedMessage, { action_id: 'kms_undo_remediation', value: id });
    assert.match(
      JSON.stringify(await bot.slack.waitForResponse(undo.responseName)),
      /undone: the key policy is the backup again/,
    );
    assert.is(bot.sandbox.keyState(PROD, 'us-east-1', KEYS.shared)?.policy, sharedWith(PROD, FOREIGN));
    await bot.system.bot.notifier.idle();
    assert.ok(bot.slack.messages.some((m) => m.threadTs === alert.ts && blockText(m).includes('undone by <@U0ADMIN>')));
  }),
);

remediation('someone who is not an admin is refused at Remediate and at Undo, and it is recorded', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    const click = await bot.click(MEMBER, alert, { action_id: 'kms_remediate' });
    assert.match(JSON.stringify(await bot.slack.waitForResponse(click.responseName)), /may remediate keys/);
    assert.equal(bot.slack.callsOf('views.open'), []);
    const forged = await bot.interaction(
      viewSubmission(
        MEMBER,
        {
          id: 'V9',
          callback_id: 'kms_remediate_modal',
          private_metadata: JSON.stringify({ ...alert, keyArn: `arn:aws:kms:us-east-1:${PROD}:key/${KEYS.shared}` }),
        },
        {},
      ),
    );
    assert.match(JSON.stringify(forged.json?.view), /Only the admins/);
    const undo = await bot.click(MEMBER, alert, { action_id: 'kms_undo_remediation', value: 'any' });
    assert.match(JSON.stringify(await bot.slack.waitForResponse(undo.responseName)), /may undo remediations/);
    assert.equal(bot.system.record.remediations(10), []);
    assert.is(bot.system.record.audit(100).filter((a) => a.action === 'refused').length, 3);
    assert.equal(JSON.parse(bot.sandbox.keyState(PROD, 'us-east-1', KEYS.shared)?.policy ?? '{}').Statement.length, 2);
  }),
);

remediation('a refusal shows in the modal and changes nothing: a policy changed since the last scan', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    const changed = sharedWith(PROD, '888888888888');
    bot.sandbox.setKeyPolicy(PROD, 'us-east-1', KEYS.shared, changed);
    const { view } = await openPlan(bot, alert);
    assert.match(blockText(view), /The key policy changed since the last scan/);
    assert.is(view.submit, undefined, 'no Apply');
    assert.is(bot.sandbox.keyState(PROD, 'us-east-1', KEYS.shared)?.policy, changed);
  }),
);

remediation('Apply applies the plan the modal showed, or nothing: a plan changed since is refused', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    const { viewId, view } = await openPlan(bot, alert);
    // While the modal is open the key gains a second foreign statement, and a scan records it.
    const wider = JSON.parse(sharedWith(PROD, FOREIGN)) as { Statement: object[] };
    wider.Statement.push({
      Sid: 'Backup',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::777788889999:root' },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    const widened = JSON.stringify(wider);
    bot.sandbox.setKeyPolicy(PROD, 'us-east-1', KEYS.shared, widened);
    const scan = await bot.command('scan', MEMBER);
    await bot.slack.waitForResponse(scan.responseName);
    const updates = bot.slack.callsOf('views.update').length;
    await bot.interaction(
      viewSubmission(ADMIN, { id: viewId, callback_id: view.callback_id, private_metadata: view.private_metadata }, {}),
    );
    const result = (await bot.slack.waitForCalls('views.update', updates + 1)).at(-1);
    assert.match(JSON.stringify(result?.params.view), /the plan changed since it was shown/);
    assert.is(bot.sandbox.keyState(PROD, 'us-east-1', KEYS.shared)?.policy, widened, 'nothing was written');
    assert.equal(bot.system.record.remediations(10), []);
  }),
);

remediation('Undo clicked twice at once acts once', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    const { viewId, view } = await openPlan(bot, alert);
    const updates = bot.slack.callsOf('views.update').length;
    await bot.interaction(
      viewSubmission(ADMIN, { id: viewId, callback_id: view.callback_id, private_metadata: view.private_metadata }, {}),
    );
    await bot.slack.waitForCalls('views.update', updates + 1);
    await bot.system.bot.notifier.idle();
    const told = bot.slack.messages.find(
      (m) => m.threadTs === alert.ts && blockText(m).includes('kms_undo_remediation'),
    ) as PostedMessage;
    const id = bot.system.record.remediations(1)[0]?.id ?? '';
    const clicks = await Promise.all([
      bot.click(ADMIN, told, { action_id: 'kms_undo_remediation', value: id }),
      bot.click(ADMIN, told, { action_id: 'kms_undo_remediation', value: id }),
    ]);
    const replies = await Promise.all(clicks.map((c) => bot.slack.waitForResponse(c.responseName)));
    assert.is(replies.filter((r) => /undone: the key policy is the backup again/.test(JSON.stringify(r))).length, 1);
    await bot.system.bot.notifier.idle();
    assert.is(
      bot.slack.messages.filter((m) => m.threadTs === alert.ts && blockText(m).includes('undone by')).length,
      1,
    );
  }),
);

remediation.run();
