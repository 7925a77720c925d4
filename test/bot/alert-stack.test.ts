import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World, WorldKey } from '../../src/sandbox/index.js';
import { ADMIN, ALERTS, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PROD } from '../helpers/bot-world.js';
import { deadline } from '../helpers/clock.js';
import { FakeSlack, type PostedMessage } from '../helpers/fake-slack.js';
import { keyId, ownerOnly } from '../helpers/sandbox.js';

const stacks = suite('bot: alerts name the CloudFormation stack that owns the key');

const STACK_FIELD =
  '*CloudFormation stack*\n`payments-stack` — change the key policy in its template: a fix made here is undone at the next stack update';

const blockText = (m: PostedMessage) => JSON.stringify(m.blocks).replace(/\\n/g, '\n').replace(/\\"/g, '"');
const textOf = (json: Record<string, unknown> | undefined) =>
  ((json?.blocks as { text?: { text: string } }[] | undefined) ?? []).map((b) => b.text?.text ?? '').join('\n');

/** The bot's world, with the prod key shared with FOREIGN (alias/payments) and a clean key owned by stacks. */
function stackWorld(): World {
  const world = botWorld();
  const prodKeys = world.accounts.find((a) => a.id === PROD)?.regions[0]?.keys as WorldKey[];
  const shared = prodKeys.find((k) => k.keyId === KEYS.shared) as WorldKey;
  shared.tags = { 'aws:cloudformation:stack-name': 'payments-stack' };
  prodKeys.push({ keyId: keyId(), policy: ownerOnly(PROD), tags: { 'aws:cloudformation:stack-name': 'clean-stack' } });
  return world;
}

async function scan(bot: Awaited<ReturnType<typeof startBot>>) {
  const started = await bot.command('scan', MEMBER);
  await bot.slack.waitForResponse(started.responseName);
  await deadline(bot.system.bot.notifier.idle(), 'the alerts of the scan');
}

stacks('the alert of a key a stack owns says which, and that the fix goes to its template', async () => {
  const bot = await startBot(stackWorld(), botConfig(), { channelSpacingMs: 0 });
  try {
    await scan(bot);
    const payments = bot.slack.messages.find((m) => m.text.includes('alias/payments')) as PostedMessage;
    assert.ok(payments, 'the shared key is alerted');
    assert.ok(blockText(payments).includes(STACK_FIELD), blockText(payments));
    const reports = bot.slack.messages.find((m) => m.text.includes('alias/reports')) as PostedMessage;
    assert.not.match(blockText(reports), /CloudFormation stack/, 'a key no stack owns shows no stack');
    assert.not.ok(
      JSON.stringify(bot.slack.messages).includes('clean-stack'),
      'a clean key is alerted nowhere, whatever owns it',
    );

    const listed = textOf((await bot.command('findings open')).json);
    assert.match(
      listed,
      /on `alias\/payments` \(`111111111111\/us-east-1`\) via statement `Shared` · CloudFormation stack `payments-stack`/,
    );
    assert.not.match(listed, /alias\/reports[^\n]*CloudFormation/);
  } finally {
    await bot.stop();
  }
});

stacks('a finding that opens when an account is untrusted, after a restart, is alerted with its stack', async () => {
  const slack = await new FakeSlack().start();
  try {
    const first = await startBot(stackWorld(), botConfig(), { slack, channelSpacingMs: 0 });
    let db: string;
    try {
      const trusted = await first.command(`trust ${FOREIGN} payments partner`, ADMIN);
      await first.slack.waitForResponse(trusted.responseName);
      await scan(first);
      assert.not.ok(
        slack.messages.some((m) => m.text.includes('alias/payments')),
        'trusted: the shared key has no finding',
      );
      db = first.db;
    } finally {
      await first.stop();
    }
    const bot = await startBot(stackWorld(), botConfig(), { slack, db, channelSpacingMs: 0 });
    try {
      const untrusted = await bot.command(`untrust ${FOREIGN}`, ADMIN);
      assert.match(textOf(await bot.slack.waitForResponse(untrusted.responseName)), /is no longer trusted/);
      await deadline(bot.system.bot.notifier.idle(), 'the alert of the finding opened again');
      const payments = slack.messages.find((m) => m.channel === ALERTS && m.text.includes('alias/payments'));
      assert.ok(payments, 'the shared key is alerted once its partner is no longer trusted');
      assert.ok(blockText(payments as PostedMessage).includes(STACK_FIELD), 'with its stack, from the record');
    } finally {
      await bot.stop();
    }
  } finally {
    await slack.stop();
  }
});

stacks.run();
