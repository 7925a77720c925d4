import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { ALERTS, type BotUnderTest, botConfig, type LogEntry, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';

const pause = suite('bot: a refused token or a channel the bot is not in pauses delivery, which resumes by itself');

const CHECK_MS = 30_000;
const STAGING = 'C0STAGING';

interface Health {
  status: string;
  database: { ok: boolean };
  outbox: { pending: number; sending: number; failed: number };
  delivery: {
    state: string;
    reason: string | null;
    since: string | null;
    channels: { channel: string; reason: string; since: string }[];
  };
}

async function health(bot: BotUnderTest): Promise<{ code: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

async function scanned(bot: BotUnderTest) {
  const scan = await bot.command('scan', MEMBER);
  await deadline(bot.slack.waitForResponse(scan.responseName), 'the scan');
  await deadline(bot.system.bot.notifier.idle(), 'delivery after the scan');
}

const delivery = (l: LogEntry) => l.fields.event === 'delivery';
const alertedKeys = (slack: FakeSlack) =>
  slack.messages
    .filter((m) => m.threadTs === undefined)
    .map((m) => /KMS key (\S+) in/.exec(m.text)?.[1] ?? '?')
    .sort();
const statusText = async (bot: BotUnderTest) =>
  JSON.stringify((await bot.command('status')).json).replace(/\\n/g, '\n');

/** Runs `doctor --format json` on the bot's database; its delivery check. */
async function doctorDelivery(bot: BotUnderTest) {
  const config = join(dirname(bot.db), 'kms-sentinel.yml');
  writeFileSync(config, botConfig());
  const run = await cli(['doctor', '--config', config, '--db', bot.db, '--format', 'json', '--timeout', '10'], '', {
    ...process.env,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: bot.slack.apiUrl,
  });
  const out = JSON.parse(run.stdout) as {
    checks: { id: string; status: string; detail: string; fix: string | null }[];
  };
  return out.checks.find((c) => c.id === 'delivery');
}

pause('a refused token pauses all delivery: nothing fails, /healthz says 503; a working token resumes it', async () => {
  const slack = await new FakeSlack().start();
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 0, pauseCheckMs: CHECK_MS });
  try {
    // The token is revoked while the bot runs: Slack refuses every call made with it.
    slack.tokenRefusal = 'token_revoked';
    await scanned(bot);
    assert.is(slack.messages.length, 0);
    const paused = await health(bot);
    assert.is(paused.code, 503, 'nothing can be delivered');
    assert.is(paused.body.status, 'unhealthy');
    assert.is(paused.body.database.ok, true);
    assert.equal([paused.body.delivery.state, paused.body.delivery.reason], ['paused', 'token_revoked']);
    assert.is(paused.body.outbox.failed, 0, 'nothing is failed');
    assert.ok(paused.body.outbox.pending > 0, 'the alerts wait');
    assert.ok(
      bot.system.record.outbox(100).every((r) => r.state === 'pending' && r.attempts === 0),
      'and the refused attempt does not count toward giving up',
    );
    assert.match(await statusText(bot), /Delivery is paused\*: Slack refuses the bot token \(`token_revoked`\)/);
    const check = await doctorDelivery(bot);
    assert.is(check?.status, 'fail');
    assert.match(check?.detail ?? '', /Slack refuses the bot token \(token_revoked\)/);

    // Checks on the notifier's clock, backing off: still refused, still paused, and no more warnings.
    const posts = () => slack.callsOf('chat.postMessage').length;
    const before = posts();
    for (const step of [CHECK_MS, 2 * CHECK_MS, 4 * CHECK_MS]) {
      const checks = slack.callsOf('auth.test').length;
      clock.advance(step);
      await deadline(slack.waitForCalls('auth.test', checks + 1), 'a check of the token');
      await deadline(bot.system.bot.notifier.idle(), 'the check done');
    }
    assert.is(posts(), before, 'nothing is tried while the token is refused');
    assert.is(bot.logs.filter(delivery).length, 1, 'one warning for the pause, none per message or per check');
    assert.equal(bot.logs.filter(delivery)[0]?.fields, {
      event: 'delivery',
      state: 'paused',
      scope: 'workspace',
      reason: 'token_revoked',
    });
    assert.is(bot.logs.filter(delivery)[0]?.level, 'warn');

    // The token works again: the next check resumes delivery, and every alert goes out once.
    slack.tokenRefusal = undefined;
    clock.advance(8 * CHECK_MS);
    await deadline(
      bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
      'resumed',
    );
    await deadline(bot.system.bot.notifier.idle(), 'delivery after resuming');
    assert.equal(
      alertedKeys(slack),
      ['00000004-1111-4222-8333-000000000004', 'alias/ci', 'alias/payments', 'alias/reports'].sort(),
    );
    assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    const resumed = await health(bot);
    assert.is(resumed.code, 200);
    assert.equal(resumed.body.delivery, { state: 'ok', reason: null, since: null, channels: [] });
    assert.equal(
      bot.logs.filter(delivery).map((l) => [l.level, l.fields.state]),
      [
        ['warn', 'paused'],
        ['warn', 'resumed'],
      ],
    );
    assert.not.match(await statusText(bot), /paused/);
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

pause(
  'delivery paused by a refused token stays paused across a restart, and resumes at once with a working one',
  async () => {
    const slack = await new FakeSlack().start();
    const bot = await startBot(botWorld(), botConfig(), {
      slack,
      clock: new ManualClock(),
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      slack.tokenRefusal = 'account_inactive';
      await scanned(bot);
    } finally {
      await bot.stop();
    }
    const stored = new SqliteStore(bot.db, 'read');
    try {
      assert.equal(
        stored.deliveryPauses().map((p) => [p.scope, p.reason]),
        [['workspace', 'account_inactive']],
        'the pause is on record',
      );
    } finally {
      stored.close();
    }
    // The workspace is active again: the bot starts (start-up checks the token), and resumes without waiting.
    slack.tokenRefusal = undefined;
    const again = await startBot(botWorld(), botConfig(), {
      db: bot.db,
      slack,
      clock: new ManualClock(),
      channelSpacingMs: 0,
    });
    try {
      await deadline(
        again.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
        'resumed at start',
      );
      await deadline(again.system.bot.notifier.idle(), 'delivery after the restart');
      assert.is(alertedKeys(slack).length, 4);
      assert.is(new Set(alertedKeys(slack)).size, 4);
    } finally {
      await again.stop();
      await slack.stop();
    }
  },
);

pause('not_in_channel pauses that channel only; the others are delivered; inviting the bot resumes it', async () => {
  const slack = await new FakeSlack().start();
  slack.channels.set(ALERTS, { name: 'kms-alerts' });
  slack.channels.set(STAGING, { name: 'staging-alerts', member: false });
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 0, pauseCheckMs: CHECK_MS });
  try {
    await scanned(bot);
    const inAlerts = () => slack.messages.filter((m) => m.channel === ALERTS && m.threadTs === undefined);
    assert.is(inAlerts().length, 2, "prod's alerts went out");
    assert.is(slack.messages.filter((m) => m.channel === STAGING).length, 0);
    const paused = await health(bot);
    assert.is(paused.code, 200, 'the bot still delivers elsewhere');
    assert.is(paused.body.status, 'ok');
    assert.equal(paused.body.delivery.state, 'paused');
    assert.is(paused.body.delivery.reason, null);
    assert.equal(
      paused.body.delivery.channels.map((c) => [c.channel, c.reason]),
      [[STAGING, 'not_in_channel']],
    );
    assert.is(paused.body.outbox.failed, 0);
    assert.match(await statusText(bot), /Delivery to <#C0STAGING> is paused\*: the bot is not in the channel/);
    const check = await doctorDelivery(bot);
    assert.is(check?.status, 'fail');
    assert.match(check?.detail ?? '', /C0STAGING \(not_in_channel since /);

    // While it is paused, what goes to other channels still goes: an acknowledgement's thread reply.
    const [payments] = bot.system.record
      .findings({ status: 'open', accountId: undefined }, new Date())
      .filter((f) => f.aliases.includes('alias/payments'));
    await bot.system.record.acknowledge({
      fingerprint: payments?.fingerprint ?? '',
      reason: 'known partner',
      until: undefined,
      actor: 'cli:alice',
      now: new Date(),
    });
    bot.system.bot.notifier.wake();
    await deadline(bot.system.bot.notifier.idle(), 'the thread reply');
    assert.ok(
      slack.messages.some((m) => m.channel === ALERTS && m.threadTs !== undefined && /known partner/.test(m.text)),
    );

    // Checked (conversations.info) on the notifier's clock: still not a member, still paused, one warning.
    const infos = slack.callsOf('conversations.info').length;
    clock.advance(CHECK_MS);
    await deadline(slack.waitForCalls('conversations.info', infos + 1), 'a check of the channel');
    await deadline(bot.system.bot.notifier.idle(), 'the check done');
    assert.is(slack.messages.filter((m) => m.channel === STAGING).length, 0);

    // The bot is invited: the next check resumes the channel, and each of its alerts goes out once.
    slack.channels.set(STAGING, { name: 'staging-alerts', member: true });
    clock.advance(2 * CHECK_MS);
    await deadline(
      bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
      'resumed',
    );
    await deadline(bot.system.bot.notifier.idle(), 'delivery after resuming');
    const staging = slack.messages.filter((m) => m.channel === STAGING && m.threadTs === undefined);
    assert.is(staging.length, 2, 'the CI key and the locked key, once each');
    assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    assert.equal((await health(bot)).body.delivery.state, 'ok');
    assert.equal(
      bot.logs.filter(delivery).map((l) => [l.level, l.fields.state, l.fields.channel]),
      [
        ['warn', 'paused', STAGING],
        ['warn', 'resumed', STAGING],
      ],
    );
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

pause('a channel whose membership cannot be read is checked by posting its next message', async () => {
  const slack = await new FakeSlack().start();
  slack.channels.set(STAGING, { name: 'staging-alerts', member: false });
  // No channels:read: conversations.info is refused, so only a post can tell.
  slack.overrides.set('conversations.info', () => [200, { ok: false, error: 'missing_scope' }]);
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 0, pauseCheckMs: CHECK_MS });
  try {
    await scanned(bot);
    const stagingPosts = () => slack.callsOf('chat.postMessage').filter((c) => c.params.channel === STAGING).length;
    const refused = stagingPosts();
    assert.ok(refused >= 1);
    // The check cannot tell; the next message is tried, refused again: still paused, without a new warning.
    clock.advance(CHECK_MS);
    await deadline(slack.waitForCalls('conversations.info', 1), 'a check of the channel');
    await deadline(bot.system.bot.notifier.idle(), 'the probe');
    assert.is(stagingPosts(), refused + 1, 'one message tried, not all of them');
    assert.is(bot.logs.filter(delivery).length, 1);
    slack.channels.set(STAGING, { name: 'staging-alerts', member: true });
    clock.advance(2 * CHECK_MS);
    await deadline(
      bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
      'resumed by a post',
    );
    await deadline(bot.system.bot.notifier.idle(), 'the rest of the channel');
    assert.is(slack.messages.filter((m) => m.channel === STAGING && m.threadTs === undefined).length, 2);
    assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

pause(
  'a paused channel that turns out to be gone ends its pause: its messages fail with what Slack says now',
  async () => {
    const slack = await new FakeSlack().start();
    slack.channels.set(STAGING, { name: 'staging-alerts', member: false });
    slack.overrides.set('conversations.info', () => [200, { ok: false, error: 'missing_scope' }]);
    const clock = new ManualClock();
    const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 0, pauseCheckMs: CHECK_MS });
    try {
      await scanned(bot);
      assert.equal(
        (await health(bot)).body.delivery.channels.map((c) => c.channel),
        [STAGING],
      );
      // The channel is deleted meanwhile: the probe is refused with channel_not_found, which no invitation fixes.
      slack.overrides.set('chat.postMessage', (p) =>
        p.channel === STAGING ? [200, { ok: false, error: 'channel_not_found' }] : undefined,
      );
      clock.advance(CHECK_MS);
      await deadline(
        bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
        'the pause ended',
      );
      await deadline(bot.system.bot.notifier.idle(), 'the rest of the channel');
      assert.equal((await health(bot)).body.delivery.state, 'ok');
      const failed = bot.system.record.outbox(100).filter((r) => r.state === 'failed');
      assert.ok(failed.length > 0 && failed.every((r) => r.lastError === 'channel_not_found'));
      assert.is(bot.system.record.outboxCounts().pending, 0, 'nothing waits for a pause that is over');
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

pause.run();
