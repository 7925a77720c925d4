import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ADMIN, ALERTS, type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PARTNER, PROD } from '../helpers/bot-world.js';
import type { PostedMessage } from '../helpers/fake-slack.js';
import { policyOf, sharedWith } from '../helpers/sandbox.js';
import { viewSubmission } from '../helpers/slack-requests.js';

const buttons = suite('bot: Acknowledge and Trust, resolved and reopened, in threads');

const blockText = (m: PostedMessage | undefined) => JSON.stringify(m?.blocks ?? []).replace(/\\n/g, '\n');
const thread = (bot: BotUnderTest, alert: PostedMessage) => bot.slack.messages.filter((m) => m.threadTs === alert.ts);

async function scanned(bot: BotUnderTest) {
  const scan = await bot.command('scan', MEMBER);
  await bot.slack.waitForResponse(scan.responseName);
  await bot.system.bot.notifier.idle();
}

async function withBot(test: (bot: BotUnderTest) => Promise<void>) {
  const bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0 });
  bot.slack.groups.set('S0SECTEAM', []);
  try {
    await scanned(bot);
    await test(bot);
  } finally {
    await bot.stop();
  }
}

const alertOf = (bot: BotUnderTest, alias: string) =>
  bot.slack.messages.find((m) => m.threadTs === undefined && m.text.includes(alias)) as PostedMessage;

buttons(
  'Acknowledge opens a modal; submitting it records the reason and end date, updates the alert, and says why in its thread',
  () =>
    withBot(async (bot) => {
      const alert = alertOf(bot, 'alias/payments');
      await bot.click(ADMIN, alert, { action_id: 'kms_acknowledge', value: 'ignored' });
      const [opened] = await bot.slack.waitForCalls('views.open', 1);
      const view = opened?.params.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
      assert.is(view.callback_id, 'kms_acknowledge_modal');
      assert.match(JSON.stringify(view.blocks), /Acknowledge the 1 open finding of `alias\/payments`/);
      const values = {
        ack_reason: { reason: { type: 'plain_text_input', value: 'migration partner until March' } },
        ack_period: { period: { type: 'static_select', selected_option: { value: 'date' } } },
        ack_date: { date: { type: 'datepicker', selected_date: '2099-03-01' } },
      };
      const submitted = await bot.interaction(viewSubmission(ADMIN, { id: 'V1', ...view }, values));
      assert.is(submitted.status, 200);
      assert.is(submitted.text, '', 'accepted: the modal closes');
      await bot.system.bot.notifier.idle();
      const [finding] = bot.system.record.findings({ status: 'acknowledged', accountId: undefined }, new Date());
      assert.equal(
        [finding?.keyId, finding?.ackBy, finding?.ackReason, finding?.ackUntil],
        [KEYS.shared, `slack:${ADMIN}`, 'migration partner until March', '2099-03-01T00:00:00.000Z'],
      );
      const [reply] = thread(bot, alert);
      assert.match(blockText(reply), /acknowledged by <@U0ADMIN> until <!date\^4076006400/);
      assert.match(blockText(reply), />migration partner until March/);
      const updated = alertOf(bot, 'alias/payments');
      assert.not.match(blockText(updated), /kms_acknowledge/, 'the buttons are gone: nothing is open');
      assert.match(blockText(updated), /acknowledged by <@U0ADMIN>/);

      // The same submission again (a double click or a replay) acts once.
      await bot.interaction(viewSubmission(ADMIN, { id: 'V1', ...view }, values));
      await bot.system.bot.notifier.idle();
      assert.is(bot.system.record.audit(100).filter((a) => a.action === 'finding-acknowledged').length, 1);
      assert.is(thread(bot, alert).length, 1);
    }),
);

buttons('an Acknowledge form opened for a lesser exposure never silences one that got worse since', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    await bot.click(ADMIN, alert, { action_id: 'kms_acknowledge' });
    const [opened] = await bot.slack.waitForCalls('views.open', 1);
    const view = opened?.params.view as { callback_id: string; private_metadata: string };
    // While the form is open the partner gets kms:* on the key, and a scan escalates the finding.
    const wider = JSON.parse(sharedWith(PROD, FOREIGN)) as { Statement: { Action: unknown }[] };
    (wider.Statement[1] as { Action: unknown }).Action = 'kms:*';
    bot.sandbox.setKeyPolicy(PROD, 'us-east-1', KEYS.shared, JSON.stringify(wider));
    await scanned(bot);
    const values = {
      ack_reason: { reason: { value: 'decrypt only, for the partner migration' } },
      ack_period: { period: { selected_option: { value: '30' } } },
    };
    const submitted = await bot.interaction(viewSubmission(ADMIN, { id: 'V7', ...view }, values));
    assert.is(submitted.json?.response_action, 'errors');
    assert.match(JSON.stringify(submitted.json?.errors), /changed since this form opened/);
    assert.equal(bot.system.record.findings({ status: 'acknowledged', accountId: undefined }, new Date()), []);
  }),
);

buttons('a modal submitted without a usable date says so in the modal and records nothing', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    await bot.click(ADMIN, alert, { action_id: 'kms_acknowledge' });
    const [opened] = await bot.slack.waitForCalls('views.open', 1);
    const view = opened?.params.view as { callback_id: string; private_metadata: string };
    const values = {
      ack_reason: { reason: { value: 'because' } },
      ack_period: { period: { selected_option: { value: 'date' } } },
      ack_date: { date: { selected_date: '2001-01-01' } },
    };
    const submitted = await bot.interaction(viewSubmission(ADMIN, { id: 'V2', ...view }, values));
    assert.is(submitted.json?.response_action, 'errors');
    assert.match(JSON.stringify(submitted.json?.errors), /already past/);
    assert.equal(bot.system.record.findings({ status: 'acknowledged', accountId: undefined }, new Date()), []);
  }),
);

buttons('someone who is not an admin is refused at every button, and it is recorded', () =>
  withBot(async (bot) => {
    const alert = alertOf(bot, 'alias/payments');
    const ack = await bot.click(MEMBER, alert, { action_id: 'kms_acknowledge' });
    assert.is(ack.status, 200);
    const refusedAck = await bot.slack.waitForResponse(ack.responseName);
    assert.match(JSON.stringify(refusedAck), /Only the admins listed under `slack.admins` may acknowledge findings/);
    assert.is(refusedAck.replace_original, false, 'the alert itself is left alone');
    const trust = await bot.click(MEMBER, alert, { action_id: 'kms_trust_account', value: FOREIGN });
    assert.match(JSON.stringify(await bot.slack.waitForResponse(trust.responseName)), /may trust accounts/);
    assert.equal(bot.slack.callsOf('views.open'), []);
    assert.equal(bot.system.record.listTrust(), []);
    // A modal submitted by someone else than an admin (forged, or admins changed meanwhile) is refused too.
    const submitted = await bot.interaction(
      viewSubmission(
        MEMBER,
        { id: 'V3', callback_id: 'kms_acknowledge_modal', private_metadata: JSON.stringify(alert) },
        {
          ack_reason: { reason: { value: 'let me' } },
          ack_period: { period: { selected_option: { value: 'resolved' } } },
        },
      ),
    );
    assert.match(JSON.stringify(submitted.json?.errors), /Only the admins/);
    const refusals = bot.system.record.audit(100).filter((a) => a.action === 'refused');
    assert.equal(
      refusals.map((a) => a.actor),
      [`slack:${MEMBER}`, `slack:${MEMBER}`, `slack:${MEMBER}`],
    );
  }),
);

buttons(
  'Trust from the button resolves the findings, updates each alert and its thread; a double click acts once',
  () =>
    withBot(async (bot) => {
      const payments = alertOf(bot, 'alias/payments');
      const ci = alertOf(bot, 'alias/ci');
      const first = await bot.click(ADMIN, payments, { action_id: 'kms_trust_account', value: FOREIGN });
      const second = await bot.click(ADMIN, payments, { action_id: 'kms_trust_account', value: FOREIGN });
      assert.match(
        JSON.stringify(await bot.slack.waitForResponse(first.responseName)),
        /is now trusted\. 2 findings resolved/,
      );
      assert.match(
        JSON.stringify(await bot.slack.waitForResponse(second.responseName)),
        /was already trusted; nothing changed/,
      );
      await bot.system.bot.notifier.idle();
      const [entry] = bot.system.record.listTrust();
      assert.match(entry?.note ?? '', /trusted from the alert of alias\/payments \(finding [0-9a-f]{32}\)/);
      assert.is(bot.system.record.audit(200).filter((a) => a.action === 'trust-added').length, 1);
      assert.match(blockText(thread(bot, payments)[0]), new RegExp(`resolved \\(trusted: ${FOREIGN}\\) by <@U0ADMIN>`));
      assert.not.match(blockText(alertOf(bot, 'alias/payments')), /kms_trust_account/);
      // The CI key's alert lost one of its two accounts: it still offers the other.
      assert.match(blockText(thread(bot, ci)[0]), new RegExp(`\`${FOREIGN}\` resolved`));
      const ciNow = blockText(alertOf(bot, 'alias/ci'));
      assert.match(ciNow, new RegExp(`Trust ${PARTNER}`));
      assert.not.match(ciNow, new RegExp(`Trust ${FOREIGN}`));
    }),
);

buttons('a Trust button for an account the alert does not name trusts nothing', () =>
  withBot(async (bot) => {
    const payments = alertOf(bot, 'alias/payments');
    const forged = await bot.click(ADMIN, payments, { action_id: 'kms_trust_account', value: '123456789012' });
    assert.match(
      JSON.stringify(await bot.slack.waitForResponse(forged.responseName)),
      /has no open finding for account 123456789012/,
    );
    assert.equal(bot.system.record.listTrust(), []);
  }),
);

buttons('a finding resolved by a scan, and back again, is told in its thread and the alert follows', () =>
  withBot(async (bot) => {
    const payments = alertOf(bot, 'alias/payments');
    bot.sandbox.setKeyPolicy(
      PROD,
      'us-east-1',
      KEYS.shared,
      policyOf({
        Sid: 'Owner',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${PROD}:root` },
        Action: 'kms:*',
        Resource: '*',
      }),
    );
    await scanned(bot);
    const [resolved] = thread(bot, payments);
    assert.match(blockText(resolved), /resolved \(no longer seen in a complete scan of its account and region\)/);
    assert.match(blockText(alertOf(bot, 'alias/payments')), /:heavy_check_mark:/);
    bot.sandbox.setKeyPolicy(PROD, 'us-east-1', KEYS.shared, sharedWith(PROD, FOREIGN));
    await scanned(bot);
    const replies = thread(bot, payments);
    assert.is(replies.length, 2);
    assert.match(blockText(replies[1]), /is open again/);
    assert.is(replies[1]?.broadcast, true, 'an exposure back is news: it is also sent to the channel');
    assert.match(blockText(alertOf(bot, 'alias/payments')), /kms_acknowledge/, 'the buttons are back');
    assert.is(bot.slack.messages.filter((m) => m.threadTs === undefined && m.channel === ALERTS).length, 2);
  }),
);

buttons.run();
