// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { sandboxEnvironment } from '../../src/sandbox/sdk-env.js';
import { ALERTS, type BotUnderTest, botConfig, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { seededDatabase } from '../helpers/outbox-seed.js';
import { BIN } from '../helpers/served.js';
import { SIGNING_SECRET } from '../helpers/slack-requests.js';

const exactlyOnce = suite('bot: a message carrying any number of notifications is posted exactly once');

/** The sizes the issue names: one key with 60 or 500 untrusted principals; a digest of 12 or 100 keys x 5. */
const CASES = [
  { name: 'an alert of 60 notifications', keys: 1, principals: 60 },
  { name: 'an alert of 500 notifications', keys: 1, principals: 500 },
  { name: 'a digest of 60 notifications (12 keys x 5)', keys: 12, principals: 5 },
  { name: 'a digest of 500 notifications (100 keys x 5)', keys: 100, principals: 5 },
] as const;

const topLevel = (slack: FakeSlack) => slack.messages.filter((m) => m.threadTs === undefined);

/** One message in C0ALERTS saying what the case is, every notification delivered, every alert on record there. */
function assertOneMessage(bot: BotUnderTest, c: (typeof CASES)[number]) {
  const posted = topLevel(bot.slack);
  assert.is(posted.length, 1, `one message, not ${posted.length}: ${posted.map((m) => m.text).join(' | ')}`);
  const [message] = posted;
  assert.is(message?.channel, ALERTS);
  if (c.keys === 1) assert.match(message?.text ?? '', new RegExp(`lets in ${c.principals} untrusted principals`));
  else assert.match(message?.text ?? '', new RegExp(`^${c.keys} KMS keys with new findings`));
  assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 }, 'every notification delivered');
  // The metadata names the delivery, not its notifications: its size does not grow with them.
  const metadata = message?.metadata as { event_type: string; event_payload: Record<string, unknown> };
  assert.is(metadata.event_type, 'kms_sentinel_delivery');
  assert.equal(Object.keys(metadata.event_payload), ['delivery_id']);
  assert.ok(JSON.stringify(metadata).length < 200);
  if (c.keys === 1) {
    const store = new SqliteStore(bot.db, 'read');
    try {
      const findings = store.findings({ status: 'open', accountId: undefined }, new Date());
      assert.is(findings.length, c.principals);
      for (const f of findings) assert.equal(store.alertOf(f.fingerprint), { channel: ALERTS, ts: message?.ts });
    } finally {
      store.close();
    }
  }
}

for (const c of CASES) {
  exactlyOnce(`${c.name}: Slack posts it but answers 500; the retry finds it and settles all of them`, async () => {
    const { db } = seededDatabase(c.keys, c.principals);
    const slack = await new FakeSlack().start();
    let answered = 0;
    slack.overrides.set('chat.postMessage', (params) => {
      if (answered++ > 0) return undefined;
      slack.defaultAnswer('chat.postMessage', params);
      return [500, { ok: false, error: 'internal_error' }];
    });
    const clock = new ManualClock();
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock, channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'the first attempt');
      assert.is(slack.callsOf('chat.postMessage').length, 1);
      assert.is(bot.system.record.outboxCounts().pending, c.keys * c.principals, 'all wait for the retry');
      clock.advance(60_000);
      await deadline(bot.system.bot.notifier.idle(), 'the retry');
      assert.ok(slack.callsOf('conversations.history').length >= 1, 'the retry looked first');
      assert.is(slack.callsOf('chat.postMessage').length, 1, 'and did not post again');
      assertOneMessage(bot, c);
    } finally {
      await bot.stop();
      await slack.stop();
    }
  });

  exactlyOnce(`${c.name}: the bot is killed (kill -9) once Slack has it; the next start posts nothing`, async () => {
    const { db, config } = seededDatabase(c.keys, c.principals);
    const slack = await new FakeSlack().start();
    const sandbox = await startSandbox(botWorld());
    try {
      const env = {
        ...sandboxEnvironment(process.env, sandbox.env),
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
      } as NodeJS.ProcessEnv;
      const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--db', db], {
        env,
        stdio: 'ignore',
      });
      const exited = once(child, 'exit');
      // Slack has the message; the bot dies before it hears back, let alone records it.
      slack.overrides.set('chat.postMessage', async (params) => {
        slack.defaultAnswer('chat.postMessage', params);
        child.kill('SIGKILL');
        await exited;
        return [500, { ok: false, error: 'internal_error' }];
      });
      const [, signal] = (await deadline(exited, 'the built bot killed after it posted')) as [number, string];
      assert.is(signal, 'SIGKILL');
      slack.overrides.delete('chat.postMessage');
      assert.is(topLevel(slack).length, 1, 'Slack has the message');
    } finally {
      await sandbox.stop();
    }
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'the restart settling the message in doubt');
      assert.is(slack.callsOf('chat.postMessage').length, 1, 'nothing posted after the restart');
      assertOneMessage(bot, c);
    } finally {
      await bot.stop();
      await slack.stop();
    }
  });
}

exactlyOnce(
  'a message an older release left in doubt, naming only 50 of its 60 notifications, settles all 60',
  async () => {
    const { db } = seededDatabase(1, 60);
    const store = new SqliteStore(db, 'existing');
    const ids = store.outbox(100).map((r) => r.id);
    // The older release claimed them all, posted one alert naming the first 50 in its metadata, and died.
    store.claimNotificationIds(ids);
    store.close();
    const slack = await new FakeSlack().start();
    slack.messages.push({
      channel: ALERTS,
      ts: '1800000000.999999',
      threadTs: undefined,
      text: 'HIGH: KMS key alias/key-0 in 111111111111/us-east-1 lets in 60 untrusted principals',
      blocks: [],
      metadata: {
        event_type: 'kms_sentinel_delivery',
        event_payload: { outbox_ids: ids.slice(0, 50).join(',') },
      },
      broadcast: false,
    });
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'the restart settling the message in doubt');
      assert.is(slack.callsOf('chat.postMessage').length, 0, 'none of the 60 is posted again');
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

/** The config, its alerts moved to another channel. */
const movedTo = (channel: string) => botConfig().replace(`channel: ${ALERTS}`, `channel: ${channel}`);

for (const c of [CASES[0], CASES[2]]) {
  exactlyOnce(
    `${c.name}: posted but answered 500, then the config names another channel: it is found where it went, and not posted again`,
    async () => {
      const { db } = seededDatabase(c.keys, c.principals);
      const slack = await new FakeSlack().start();
      slack.overrides.set('chat.postMessage', (params) => {
        slack.defaultAnswer('chat.postMessage', params);
        return [500, { ok: false, error: 'internal_error' }];
      });
      const first = await startBot(botWorld(), botConfig(), {
        db,
        slack,
        clock: new ManualClock(),
        channelSpacingMs: 0,
      });
      try {
        await deadline(first.system.bot.notifier.idle(), 'the first attempt');
      } finally {
        await first.stop();
      }
      slack.overrides.delete('chat.postMessage');
      // The operator moves the alerts to a new channel, and restarts the bot.
      const clock = new ManualClock();
      const bot = await startBot(botWorld(), movedTo('C0NEW'), { db, slack, clock, channelSpacingMs: 0 });
      try {
        clock.advance(60_000);
        await deadline(bot.system.bot.notifier.idle(), 'the retry');
        assert.equal(
          slack.callsOf('conversations.history').map((h) => h.params.channel),
          [ALERTS],
          'looked for where it was tried, and found it there',
        );
        assert.is(slack.callsOf('chat.postMessage').length, 1, 'posted once, in the channel it first went to');
        assertOneMessage(bot, c);
      } finally {
        await bot.stop();
        await slack.stop();
      }
    },
  );

  exactlyOnce(
    `${c.name}: tried, never posted, then the config names another channel: looked for where it was tried, then posted once in the new one`,
    async () => {
      const { db } = seededDatabase(c.keys, c.principals);
      const slack = await new FakeSlack().start();
      slack.overrides.set('chat.postMessage', () => [500, { ok: false, error: 'internal_error' }]);
      const first = await startBot(botWorld(), botConfig(), {
        db,
        slack,
        clock: new ManualClock(),
        channelSpacingMs: 0,
      });
      try {
        await deadline(first.system.bot.notifier.idle(), 'the first attempt');
      } finally {
        await first.stop();
      }
      slack.overrides.delete('chat.postMessage');
      const clock = new ManualClock();
      const bot = await startBot(botWorld(), movedTo('C0NEW'), { db, slack, clock, channelSpacingMs: 0 });
      try {
        clock.advance(60_000);
        await deadline(bot.system.bot.notifier.idle(), 'the retry');
        assert.equal(
          slack.callsOf('conversations.history').map((h) => h.params.channel),
          [ALERTS, 'C0NEW'],
          'looked where it was tried, then where it goes',
        );
        const posted = topLevel(slack);
        assert.equal(
          posted.map((m) => m.channel),
          ['C0NEW'],
        );
        assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
      } finally {
        await bot.stop();
        await slack.stop();
      }
    },
  );
}

exactlyOnce.run();
