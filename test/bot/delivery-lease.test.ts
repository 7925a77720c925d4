import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { ALERTS, type BotUnderTest, botConfig, type LogEntry, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { seededDatabase } from '../helpers/outbox-seed.js';

const lease = suite('bot: one bot delivers from a database; a second one waits, and takes over when it stops');

interface Health {
  status: string;
  delivery: { state: string; reason: string | null };
  deliverer: { state: string; host: string | null; pid: number | null; since: string | null };
}

async function health(bot: BotUnderTest): Promise<{ code: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

const leaseLog = (l: LogEntry) => l.fields.event === 'delivery-lease';
const topLevel = (slack: FakeSlack) => slack.messages.filter((m) => m.threadTs === undefined);
const statusText = async (bot: BotUnderTest) =>
  JSON.stringify((await bot.command('status')).json).replace(/\\n/g, '\n');

/** Writes the delivery lease as another bot would hold it. */
function leaseHeldBy(db: string, holder: { host: string; pid: number; namespace: string; start: string }, now: Date) {
  const sql = new Database(db);
  try {
    sql
      .prepare(
        `INSERT INTO delivery_lease (id, holder, host, pid, pid_namespace, process_start, since, renewed_at, expires_at)
         VALUES (1, 'another-bot', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        holder.host,
        holder.pid,
        holder.namespace,
        holder.start,
        now.toISOString(),
        now.toISOString(),
        new Date(now.getTime() + 60_000).toISOString(),
      );
  } finally {
    sql.close();
  }
}

const NAMESPACE = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
})();

lease(
  'a second bot on the database (a rolling deploy) posts nothing while the first delivers, says so once, and takes over when the first stops',
  async () => {
    const { db } = seededDatabase(1, 3);
    const slack = await new FakeSlack().start();
    // Slack is slow to take the first bot's post: the second bot starts while it is in flight.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let first = true;
    slack.overrides.set('chat.postMessage', async (params) => {
      if (!first) return undefined;
      first = false;
      entered();
      await held;
      return slack.defaultAnswer('chat.postMessage', params);
    });
    const a = await startBot(botWorld(), botConfig(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
    let b: BotUnderTest | undefined;
    try {
      await deadline(inFlight, 'the first bot posting');
      const clock = new ManualClock();
      b = await startBot(botWorld(), botConfig(), { db, slack, clock, channelSpacingMs: 0 });
      await deadline(b.system.bot.notifier.idle(), 'the second bot idle');
      release();
      await deadline(a.system.bot.notifier.idle(), 'the first bot done');
      assert.is(topLevel(slack).length, 1, 'the alert is posted once');
      assert.is(slack.callsOf('chat.postMessage').length, 1, 'the second bot posted nothing');
      assert.equal(slack.callsOf('conversations.history'), [], 'nor looked for what the first one has in flight');

      // It says so: once in its log, in /healthz (still 200: it serves commands), and in /kms status.
      assert.equal(
        b.logs.filter(leaseLog).map((l) => [l.level, l.fields.state, l.fields.holder]),
        [['warn', 'standby', { host: hostname(), pid: process.pid, since: (await health(a)).body.deliverer.since }]],
      );
      const standby = await health(b);
      assert.is(standby.code, 200);
      assert.equal(
        [standby.body.deliverer.state, standby.body.deliverer.host, standby.body.deliverer.pid],
        ['another-bot', hostname(), process.pid],
      );
      assert.is((await health(a)).body.deliverer.state, 'this-bot');
      assert.match(
        await statusText(b),
        /Another bot delivers from this database\*: kms-sentinel on `[^`]+` \(pid \d+\)/,
      );
      assert.not.match(await statusText(a), /Another bot/);
      for (let i = 0; i < 3; i++) {
        clock.advance(10_000);
        await deadline(b.system.bot.notifier.idle(), 'the second bot checking the lease');
      }
      assert.is(b.logs.filter(leaseLog).length, 1, 'said once, not at every check');

      // The first bot stops (it lets the lease go): the second one takes over within a second, and delivers.
      await a.stop();
      clock.advance(1000);
      await deadline(
        b.waitForLog((l) => leaseLog(l) && l.fields.state === 'taken'),
        'the second bot taking over',
      );
      await deadline(b.system.bot.notifier.idle(), 'the second bot delivering');
      assert.is((await health(b)).body.deliverer.state, 'this-bot');
      const [finding] = b.system.record.findings({ status: 'open', accountId: undefined }, new Date());
      await b.system.record.acknowledge({
        fingerprint: finding?.fingerprint ?? '',
        reason: 'known partner',
        until: undefined,
        actor: 'cli:alice',
        now: new Date(),
      });
      b.system.bot.notifier.wake();
      await deadline(b.system.bot.notifier.idle(), 'the reply');
      assert.ok(slack.messages.some((m) => m.threadTs !== undefined && /known partner/.test(m.text)));
      assert.is(topLevel(slack).length, 1);
    } finally {
      release();
      await b?.stop();
      await a.stop();
      await slack.stop();
    }
  },
);

lease(
  "a bot whose lease holder stops renewing it (on another machine) takes over once it expires, and only then looks for that bot's message in doubt",
  async () => {
    const { db } = seededDatabase(1, 2);
    const clock = new ManualClock();
    leaseHeldBy(db, { host: 'other-host', pid: 4242, namespace: 'pid:[1]', start: '1' }, clock.now());
    // The other bot claimed the alert and posted it, then its machine went away before it recorded the post.
    const store = new SqliteStore(db, 'existing');
    try {
      const ids = store.outbox(10).map((r) => r.id);
      store.claimDelivery('another-bot', ids, 'delivery-elsewhere', { kind: 'alert', channel: ALERTS, threadTs: null });
    } finally {
      store.close();
    }
    const slack = await new FakeSlack().start();
    slack.messages.push({
      channel: ALERTS,
      ts: '1800000000.999999',
      threadTs: undefined,
      text: 'HIGH: KMS key alias/key-0 in 111111111111/us-east-1 lets in 2 untrusted principals',
      blocks: [],
      metadata: { event_type: 'kms_sentinel_delivery', event_payload: { delivery_id: 'delivery-elsewhere' } },
      broadcast: false,
    });
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock, channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'standing by');
      assert.equal(
        [(await health(bot)).body.deliverer.host, (await health(bot)).body.deliverer.pid],
        ['other-host', 4242],
      );
      assert.ok(
        bot.system.record.outbox(10).every((r) => r.state === 'sending'),
        "the other bot's message in flight is left to it",
      );
      // 50 s without a heartbeat: the lease still holds.
      for (let i = 0; i < 5; i++) {
        clock.advance(10_000);
        await deadline(bot.system.bot.notifier.idle(), 'still standing by');
      }
      assert.is((await health(bot)).body.deliverer.state, 'another-bot');
      // A minute without one: it is taken over, and the message in doubt is looked for, found, and not posted again.
      clock.advance(11_000);
      await deadline(
        bot.waitForLog((l) => leaseLog(l) && l.fields.state === 'taken-over'),
        'taken over',
      );
      await deadline(bot.system.bot.notifier.idle(), 'settled');
      const taken = bot.logs.find((l) => leaseLog(l) && l.fields.state === 'taken-over');
      assert.equal(taken?.fields.from, { host: 'other-host', pid: 4242 });
      assert.is(taken?.fields.why, 'its lease expired');
      assert.is((await health(bot)).body.deliverer.state, 'this-bot');
      assert.ok(slack.callsOf('conversations.history').length >= 1, 'looked for');
      assert.is(slack.callsOf('chat.postMessage').length, 0, 'not posted again');
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

lease(
  'a bot restarted after kill -9 takes over at once: a lease held by a process of this machine that has stopped, or whose ID another process now has, is taken without waiting for it to expire',
  async () => {
    // A process that has exited, and this process's own ID as a process started at another time had it (a
    // container restarted, its new bot given the same PID).
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    for (const holder of [
      { host: hostname(), pid: exited, namespace: NAMESPACE, start: '1' },
      { host: hostname(), pid: process.pid, namespace: NAMESPACE, start: 'another start' },
    ]) {
      const { db } = seededDatabase(1, 1);
      const slack = await new FakeSlack().start();
      const clock = new ManualClock();
      leaseHeldBy(db, holder, clock.now());
      const bot = await startBot(botWorld(), botConfig(), { db, slack, clock, channelSpacingMs: 0 });
      try {
        await deadline(bot.system.bot.notifier.idle(), 'delivered without the clock moving');
        assert.is(topLevel(slack).length, 1);
        const taken = bot.logs.find((l) => leaseLog(l) && l.fields.state === 'taken-over');
        assert.is(taken?.fields.why, 'its process has stopped');
        assert.is((await health(bot)).body.deliverer.state, 'this-bot');
      } finally {
        await bot.stop();
        await slack.stop();
      }
    }
  },
);

lease(
  'a delivering bot that stalls past its lease (SIGSTOP, a long pause) and resumes posts nothing: it finds another bot took over, says so once, and stands by',
  async () => {
    const { db } = seededDatabase(5, 1);
    const slack = await new FakeSlack().start();
    const clockA = new ManualClock();
    const a = await startBot(botWorld(), botConfig(), { db, slack, clock: clockA, channelSpacingMs: 1000 });
    let b: BotUnderTest | undefined;
    try {
      // A posts its first alert, claims its second and waits for the channel's turn: then its process stalls (its
      // clock stands still: no heartbeat, no post).
      await deadline(slack.waitForCalls('chat.postMessage', 1), 'the first alert');
      await deadline(clockA.sleeping(1000), "the second alert waiting for the channel's turn");
      // A minute on, another bot sees the lease lapsed: it takes over, looks for what A had in flight, delivers all.
      b = await startBot(botWorld(), botConfig(), {
        db,
        slack,
        clock: new ManualClock(clockA.now().getTime() + 61_000),
        channelSpacingMs: 0,
      });
      await deadline(b.system.bot.notifier.idle(), 'the second bot delivering');
      assert.is(topLevel(slack).length, 5);
      // A resumes where it stopped, just before its post.
      clockA.advance(1000);
      await deadline(a.system.bot.notifier.idle(), 'the first bot done');
      const alerts = topLevel(slack).map((m) => JSON.stringify(m.metadata));
      assert.is(alerts.length, 5, 'five alerts');
      assert.is(new Set(alerts).size, 5, 'none posted twice');
      assert.is(slack.callsOf('chat.postMessage').length, 5, 'the first bot posted nothing once it resumed');
      assert.equal(
        a.logs.filter(leaseLog).map((l) => [l.level, l.fields.state]),
        [['warn', 'lost']],
        'said once',
      );
      assert.is((await health(a)).body.deliverer.state, 'another-bot');
      assert.equal(b.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
      // It stays a standby: more time passes on its clock, and it still posts nothing, nor says it again.
      for (let i = 0; i < 3; i++) {
        clockA.advance(10_000);
        await deadline(a.system.bot.notifier.idle(), 'the first bot checking the lease');
      }
      assert.is(slack.callsOf('chat.postMessage').length, 5);
      assert.is(a.logs.filter(leaseLog).length, 1);
    } finally {
      await b?.stop();
      await a.stop();
      await slack.stop();
    }
  },
);

lease(
  "a bot on standby answers /healthz for what it can do (200: its own token passed at start), whatever the delivering bot's token: a rolling deploy is not held up by the bot it replaces",
  async () => {
    const { db } = seededDatabase(1, 1);
    const slackA = await new FakeSlack().start();
    const slackB = await new FakeSlack().start();
    const a = await startBot(botWorld(), botConfig(), {
      db,
      slack: slackA,
      clock: new ManualClock(),
      channelSpacingMs: 0,
    });
    let b: BotUnderTest | undefined;
    try {
      await deadline(a.system.bot.notifier.idle(), 'the first bot delivering');
      // The first bot's token is revoked: it cannot deliver, and says so.
      slackA.tokenRefusal = 'token_revoked';
      await a.system.record.acknowledge({
        fingerprint:
          a.system.record.findings({ status: 'open', accountId: undefined }, new Date())[0]?.fingerprint ?? '',
        reason: 'known partner',
        until: undefined,
        actor: 'cli:alice',
        now: new Date(),
      });
      a.system.bot.notifier.wake();
      await deadline(a.system.bot.notifier.idle(), 'the first bot paused');
      assert.equal([(await health(a)).code, (await health(a)).body.delivery.reason], [503, 'token_revoked']);
      // The operator deploys a new bot with a working token; it waits for the first one's lease.
      const clockB = new ManualClock();
      b = await startBot(botWorld(), botConfig(), { db, slack: slackB, clock: clockB, channelSpacingMs: 0 });
      await deadline(b.system.bot.notifier.idle(), 'the new bot on standby');
      const standby = await health(b);
      assert.is(standby.code, 200, "the new bot is healthy: its token works, and it answers Slack's requests");
      assert.is(standby.body.status, 'ok');
      assert.is(standby.body.deliverer.state, 'another-bot', 'it says another bot delivers');
      assert.equal(
        [standby.body.delivery.state, standby.body.delivery.reason],
        ['paused', 'token_revoked'],
        "and that one's pause, as information",
      );
      assert.match(JSON.stringify((await b.command('status', MEMBER)).json), /Another bot delivers from this database/);
      // Once the first bot stops, the new one delivers what waited (the reply), with its own token.
      await a.stop();
      clockB.advance(1000);
      await deadline(
        b.waitForLog((l) => leaseLog(l) && l.fields.state === 'taken'),
        'the new bot taking over',
      );
      await deadline(b.system.bot.notifier.idle(), 'the new bot delivering');
      assert.equal(
        slackB
          .callsOf('chat.postMessage')
          .map((c) => [c.params.thread_ts !== undefined, /known partner/.test(String(c.params.text))]),
        [[true, true]],
        'the reply, posted with its own token',
      );
      assert.equal([(await health(b)).code, (await health(b)).body.delivery.state], [200, 'ok']);
    } finally {
      await b?.stop();
      await a.stop();
      await slackA.stop();
      await slackB.stop();
    }
  },
);

lease.run();
