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
import { seededDatabase } from '../helpers/outbox-seed.js';

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
    channels: { channel: string; reason: string; since: string; why: string; fix: string }[];
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

/** Runs `doctor --format json` on the bot's database (with `configYaml`); its delivery check. */
async function doctorDelivery(bot: BotUnderTest, configYaml = botConfig()) {
  const config = join(dirname(bot.db), 'kms-sentinel.yml');
  writeFileSync(config, configYaml);
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

pause('a paused channel that turns out to be gone stays paused, saying so: its messages wait, none fails', async () => {
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
    // The channel is deleted meanwhile: the probe is refused with channel_not_found. The config names it, so its
    // alerts wait for the config to be fixed (or the bot let back in) rather than being lost.
    slack.overrides.set('chat.postMessage', (p) =>
      p.channel === STAGING ? [200, { ok: false, error: 'channel_not_found' }] : undefined,
    );
    clock.advance(CHECK_MS);
    await deadline(
      bot.waitForLog((l) => delivery(l) && l.fields.was === 'not_in_channel'),
      'the pause says why now',
    );
    await deadline(bot.system.bot.notifier.idle(), 'the rest of the channel');
    const paused = (await health(bot)).body.delivery;
    assert.equal(
      paused.channels.map((c) => [c.channel, c.reason]),
      [[STAGING, 'channel_not_found']],
    );
    assert.match(JSON.stringify(paused.channels[0]), /fix the channel ID in the config/);
    assert.is(bot.system.record.outboxCounts().failed, 0, 'nothing is failed');
    assert.ok(bot.system.record.outboxCounts().pending > 0, 'its alerts wait');
    assert.equal(
      bot.logs.filter(delivery).map((l) => [l.fields.state, l.fields.reason]),
      [
        ['paused', 'not_in_channel'],
        ['paused', 'channel_not_found'],
      ],
    );
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

pause(
  'the bot removed from a private alert channel (channel_not_found) pauses it: every surface names it and what to do; invited back, its alert goes out once',
  async () => {
    const { db } = seededDatabase(1, 2);
    const slack = await new FakeSlack().start();
    // A private channel the bot is not in: Slack answers channel_not_found to everything, as if it did not exist.
    slack.channels.set(ALERTS, { name: 'security-alerts', private: true, member: false });
    const clock = new ManualClock();
    const bot = await startBot(botWorld(), botConfig(), {
      db,
      slack,
      clock,
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'the first attempt');
      assert.is(slack.messages.length, 0);
      assert.ok(
        bot.system.record.outbox(10).every((r) => r.state === 'pending' && r.attempts === 0),
        'the alert waits; the refused attempt does not count',
      );
      const paused = await health(bot);
      assert.is(paused.code, 200, 'the other channel the config names can still be delivered');
      assert.equal(
        paused.body.delivery.channels.map((c) => [c.channel, c.reason]),
        [[ALERTS, 'channel_not_found']],
      );
      assert.match(JSON.stringify(paused.body.delivery.channels[0]), /a private channel it was removed from/);
      assert.match(JSON.stringify(paused.body.delivery.channels[0]), /invite the bot back/);
      assert.match(
        await statusText(bot),
        /Delivery to <#C0ALERTS> is paused\*: Slack finds no such channel for the bot: a private channel it was removed from, or a wrong channel ID \(`channel_not_found`\)/,
      );
      assert.match(
        await statusText(bot),
        /To resume: invite the bot back to the channel, or fix the channel ID in the config/,
      );
      const check = await doctorDelivery(bot);
      assert.is(check?.status, 'fail');
      assert.match(check?.detail ?? '', /C0ALERTS \(channel_not_found since .*a private channel it was removed from/);
      assert.match(
        check?.fix ?? '',
        /C0ALERTS: invite the bot back to the channel, or fix the channel ID in the config/,
      );

      // Checked on the notifier's clock: still invisible to the bot, so nothing is tried.
      clock.advance(CHECK_MS);
      await deadline(slack.waitForCalls('conversations.info', 1), 'a check of the channel');
      await deadline(bot.system.bot.notifier.idle(), 'the check done');
      assert.is(slack.callsOf('chat.postMessage').length, 1, 'only the first refused post');

      // Invited back: the next check sees it a member, the alert goes out once, and the pause ends.
      slack.channels.set(ALERTS, { name: 'security-alerts', private: true, member: true });
      clock.advance(2 * CHECK_MS);
      await deadline(
        bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
        'resumed',
      );
      await deadline(bot.system.bot.notifier.idle(), 'delivery after resuming');
      assert.equal(
        slack.messages.map((m) => m.channel),
        [ALERTS],
      );
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
      assert.equal((await health(bot)).body.delivery.state, 'ok');
      assert.equal(
        bot.logs.filter(delivery).map((l) => [l.fields.state, l.fields.channel, l.fields.reason ?? l.fields.was]),
        [
          ['paused', ALERTS, 'channel_not_found'],
          ['resumed', ALERTS, 'channel_not_found'],
        ],
      );
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

pause('an archived alert channel (is_archived) pauses it; once unarchived, its alerts go out', async () => {
  const slack = await new FakeSlack().start();
  slack.channels.set(ALERTS, { name: 'kms-alerts' });
  slack.channels.set(STAGING, { name: 'staging-alerts', archived: true });
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 0, pauseCheckMs: CHECK_MS });
  try {
    await scanned(bot);
    assert.is(slack.messages.filter((m) => m.channel === STAGING).length, 0);
    const paused = (await health(bot)).body.delivery;
    assert.equal(
      paused.channels.map((c) => [c.channel, c.reason]),
      [[STAGING, 'is_archived']],
    );
    assert.match(JSON.stringify(paused.channels[0]), /unarchive it, or name another channel in the config/);
    assert.is(bot.system.record.outboxCounts().failed, 0);
    // Still archived at the check: nothing is tried.
    const posts = slack.callsOf('chat.postMessage').length;
    clock.advance(CHECK_MS);
    await deadline(slack.waitForCalls('conversations.info', 1), 'a check of the channel');
    await deadline(bot.system.bot.notifier.idle(), 'the check done');
    assert.is(slack.callsOf('chat.postMessage').length, posts);
    slack.channels.set(STAGING, { name: 'staging-alerts' });
    clock.advance(2 * CHECK_MS);
    await deadline(
      bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
      'resumed',
    );
    await deadline(bot.system.bot.notifier.idle(), 'delivery after resuming');
    assert.is(slack.messages.filter((m) => m.channel === STAGING && m.threadTs === undefined).length, 2);
    assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

pause(
  'auth.test passes but Slack still refuses every post with the token: delivery stays paused, its checks back off to 10 minutes, one warning, and one when a post goes through',
  async () => {
    const { db } = seededDatabase(1, 1);
    const slack = await new FakeSlack().start();
    slack.overrides.set('chat.postMessage', () => [200, { ok: false, error: 'invalid_auth' }]);
    const clock = new ManualClock();
    const bot = await startBot(botWorld(), botConfig(), {
      db,
      slack,
      clock,
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'the first attempt');
      const untilNextCheck = () =>
        Date.parse(bot.system.record.deliveryPauses()[0]?.nextCheckAt ?? '') - clock.now().getTime();
      assert.is(untilNextCheck(), CHECK_MS);
      const waits: number[] = [];
      for (let check = 1; check <= 8; check++) {
        const [tests, posts] = [slack.callsOf('auth.test').length, slack.callsOf('chat.postMessage').length];
        clock.advance(untilNextCheck());
        await deadline(slack.waitForCalls('chat.postMessage', posts + 1), `check ${check}: one message tried`);
        await deadline(bot.system.bot.notifier.idle(), `check ${check} done`);
        assert.is(slack.callsOf('auth.test').length, tests + 1, 'one auth.test per check');
        assert.is(slack.callsOf('chat.postMessage').length, posts + 1, 'and one message tried, refused again');
        const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
        assert.is(health.status, 503, 'nothing can be delivered');
        waits.push(untilNextCheck() / 1000);
      }
      assert.equal(waits, [60, 120, 240, 480, 600, 600, 600, 600], 'each check waits longer, up to 10 minutes');
      assert.equal(
        bot.logs.filter(delivery).map((l) => [l.fields.state, l.fields.reason]),
        [['paused', 'invalid_auth']],
        'one warning for the pause, none per check',
      );
      assert.ok(bot.system.record.outbox(10).every((r) => r.state === 'pending' && r.attempts === 0));

      // Slack takes posts again: the next check's message goes through, and only that ends the pause.
      slack.overrides.delete('chat.postMessage');
      clock.advance(untilNextCheck());
      await deadline(
        bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
        'resumed',
      );
      await deadline(bot.system.bot.notifier.idle(), 'delivered');
      assert.is(slack.messages.length, 1);
      assert.equal(
        bot.logs.filter(delivery).map((l) => l.fields.state),
        ['paused', 'resumed'],
      );
      assert.equal((await health(bot)).body.delivery.state, 'ok');
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

pause('every channel the config sends to paused: /healthz answers 503, keeping its delivery field', async () => {
  const slack = await new FakeSlack().start();
  slack.channels.set(ALERTS, { name: 'kms-alerts', member: false });
  slack.channels.set(STAGING, { name: 'staging-alerts', private: true, member: false });
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 0, pauseCheckMs: CHECK_MS });
  try {
    await scanned(bot);
    assert.is(slack.messages.length, 0);
    const nothing = await health(bot);
    assert.is(nothing.code, 503, 'no channel the config names can be delivered');
    assert.is(nothing.body.status, 'unhealthy');
    assert.is(nothing.body.database.ok, true);
    assert.is(nothing.body.delivery.state, 'paused');
    assert.is(nothing.body.delivery.reason, null, 'the token works');
    assert.equal(nothing.body.delivery.channels.map((c) => [c.channel, c.reason]).sort(), [
      [ALERTS, 'not_in_channel'],
      [STAGING, 'channel_not_found'],
    ]);
    // One of them can be delivered again: the bot does its job there, so it is healthy again.
    slack.channels.set(ALERTS, { name: 'kms-alerts' });
    clock.advance(CHECK_MS);
    await deadline(
      bot.waitForLog((l) => delivery(l) && l.fields.state === 'resumed'),
      'resumed',
    );
    await deadline(bot.system.bot.notifier.idle(), 'the channel delivered');
    const some = await health(bot);
    assert.is(some.code, 200);
    assert.is(some.body.status, 'ok');
    assert.equal(
      some.body.delivery.channels.map((c) => c.channel),
      [STAGING],
    );
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

/** The config, staging's alerts sent to slack.channel instead of a channel of their own. */
const withoutStaging = () => botConfig().replace(`, channel: ${STAGING}`, '');

pause(
  'a paused channel taken out of the config is forgotten at the next start, in one log line: its alert goes where the config says now, and nothing reports the pause',
  async () => {
    const slack = await new FakeSlack().start();
    slack.channels.set(ALERTS, { name: 'kms-alerts' });
    slack.channels.set(STAGING, { name: 'staging-alerts', member: false });
    const first = await startBot(botWorld(), botConfig(), {
      slack,
      clock: new ManualClock(),
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      await scanned(first);
      assert.equal(
        (await health(first)).body.delivery.channels.map((c) => c.channel),
        [STAGING],
      );
    } finally {
      await first.stop();
    }
    const stagingAlerts = 2;
    const before = slack.messages.filter((m) => m.channel === ALERTS && m.threadTs === undefined).length;
    // The operator sends staging's alerts to slack.channel instead, and restarts.
    const clock = new ManualClock();
    const bot = await startBot(botWorld(), withoutStaging(), {
      db: first.db,
      slack,
      clock,
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'delivery after the restart');
      assert.is(
        slack.messages.filter((m) => m.channel === ALERTS && m.threadTs === undefined).length,
        before + stagingAlerts,
        "staging's alerts went to the channel the config names now",
      );
      assert.is(slack.messages.filter((m) => m.channel === STAGING).length, 0);
      assert.equal(
        bot.logs.filter(delivery).map((l) => [l.level, l.fields.state, l.fields.channel, l.fields.was]),
        [['info', 'forgotten', STAGING, 'not_in_channel']],
      );
      for (let i = 0; i < 3; i++) {
        clock.advance(20 * 60_000);
        await deadline(bot.system.bot.notifier.idle(), 'later');
      }
      assert.equal(
        slack.callsOf('conversations.info').filter((c) => c.params.channel === STAGING),
        [],
        'a channel nothing goes to is not checked',
      );
      const h = await health(bot);
      assert.is(h.code, 200);
      assert.equal(h.body.delivery, { state: 'ok', reason: null, since: null, channels: [] });
      assert.not.match(await statusText(bot), /paused/);
      assert.is((await doctorDelivery(bot, withoutStaging()))?.status, 'ok');
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

pause(
  'a paused channel taken out of the config stays paused while a message still waits for it (a reply in an alert thread there)',
  async () => {
    const slack = await new FakeSlack().start();
    slack.channels.set(ALERTS, { name: 'kms-alerts' });
    slack.channels.set(STAGING, { name: 'staging-alerts' });
    const first = await startBot(botWorld(), botConfig(), {
      slack,
      clock: new ManualClock(),
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      await scanned(first);
      assert.ok(
        slack.messages.some((m) => m.channel === STAGING),
        'staging alerted in its own channel',
      );
      // The bot is removed from the staging channel; an acknowledgement's reply in an alert's thread there waits.
      slack.channels.set(STAGING, { name: 'staging-alerts', member: false });
      const [staged] = first.system.record
        .findings({ status: 'open', accountId: '222222222222' }, new Date())
        .filter((f) => first.system.record.alertOf(f.fingerprint)?.channel === STAGING);
      await first.system.record.acknowledge({
        fingerprint: staged?.fingerprint ?? '',
        reason: 'known',
        until: undefined,
        actor: 'cli:alice',
        now: new Date(),
      });
      first.system.bot.notifier.wake();
      await deadline(first.system.bot.notifier.idle(), 'the reply refused');
      assert.equal(
        (await health(first)).body.delivery.channels.map((c) => c.channel),
        [STAGING],
      );
    } finally {
      await first.stop();
    }
    const bot = await startBot(botWorld(), withoutStaging(), {
      db: first.db,
      slack,
      clock: new ManualClock(),
      channelSpacingMs: 0,
      pauseCheckMs: CHECK_MS,
    });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'after the restart');
      assert.equal(
        (await health(bot)).body.delivery.channels.map((c) => [c.channel, c.reason]),
        [[STAGING, 'not_in_channel']],
        'the thread reply still waits for the bot to be let back in',
      );
      assert.equal(bot.logs.filter(delivery), []);
      assert.is((await doctorDelivery(bot, withoutStaging()))?.status, 'fail');
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

pause.run();
