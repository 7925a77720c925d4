import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { ALERTS, type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { seededDatabase } from '../helpers/outbox-seed.js';
import { withSandbox } from '../helpers/sandbox.js';

const delivery = suite('bot: delivery from the outbox survives Slack failing and the bot restarting');

const topLevel = (bot: BotUnderTest) => bot.slack.messages.filter((m) => m.threadTs === undefined);
/** Keys alerted, each as often as it was. */
const alertedKeys = (bot: BotUnderTest) =>
  topLevel(bot)
    .map((m) => /KMS key (\S+) in/.exec(m.text)?.[1] ?? '?')
    .sort();

async function scanned(bot: BotUnderTest) {
  const scan = await bot.command('scan', MEMBER);
  await bot.slack.waitForResponse(scan.responseName);
  await bot.system.bot.notifier.idle();
}

/** Waits until the outbox has nothing left to send or retry. */
function drained(bot: BotUnderTest) {
  return deadline(
    (async () => {
      for (;;) {
        const counts = bot.system.record.outboxCounts();
        if (counts.pending === 0 && counts.sending === 0) return counts;
        await bot.system.bot.notifier.idle();
        if (bot.system.record.outboxCounts().pending > 0) await waitUntilDue(bot);
      }
    })(),
    'the outbox drained',
  );
}

/** Resolves when the next pending notification's retry time has come (and the notifier has looked at it). */
async function waitUntilDue(bot: BotUnderTest) {
  const next = bot.system.record.nextNotificationAt();
  if (next === null) return;
  // A retry posts, or first looks for what it may have posted before.
  const tries = () =>
    ['chat.postMessage', 'conversations.history', 'conversations.replies'].map((m) => bot.slack.callsOf(m).length);
  const before = tries().reduce((a, b) => a + b, 0);
  while (tries().reduce((a, b) => a + b, 0) === before) await once(bot.slack.events, 'call');
}

/**
 * Waits until the outbox has nothing left to send or retry, on the bot's ManualClock: whenever the bot waits a retry
 * or a channel's Retry-After out (at most `longestWaitMs`), time moves on to the end of that wait.
 */
async function drainedOn(bot: BotUnderTest, clock: ManualClock, longestWaitMs: number) {
  return deadline(
    (async () => {
      for (;;) {
        const counts = bot.system.record.outboxCounts();
        if (counts.pending === 0 && counts.sending === 0) return counts;
        await Promise.race([clock.waitingAtMost(longestWaitMs), bot.system.bot.notifier.idle()]);
        const left = bot.system.record.outboxCounts();
        if (left.pending > 0 || left.sending > 0) clock.advanceToEarliest(longestWaitMs);
      }
    })(),
    "the outbox drained on the bot's clock",
  );
}

delivery('a storm of 429s: Retry-After is honoured, and every alert goes out exactly once', async () => {
  const slack = await new FakeSlack().start();
  let limited = 0;
  slack.overrides.set('chat.postMessage', () =>
    limited++ < 5 ? [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' }] : undefined,
  );
  // A minute ahead of the system clock the scan records by: what it records is due at once on the bot's clock.
  const clock = new ManualClock(Date.now() + 60_000);
  slack.now = () => clock.now().getTime();
  const bot = await startBot(botWorld(), botConfig(), { slack, channelSpacingMs: 0, clock });
  try {
    const scan = await bot.command('scan', MEMBER);
    await bot.slack.waitForResponse(scan.responseName);
    const counts = await drainedOn(bot, clock, 1000);
    assert.equal(counts, { pending: 0, sending: 0, failed: 0 });
    assert.equal(
      alertedKeys(bot),
      ['00000004-1111-4222-8333-000000000004', 'alias/ci', 'alias/payments', 'alias/reports'].sort(),
    );
    const posts = slack.callsOf('chat.postMessage');
    assert.ok(posts.length >= 9, 'the limited calls were made and answered 429');
    // After a 429 the channel waits at least the second Slack asked for (on the bot's clock).
    const firstLimited = posts[0]?.at ?? 0;
    const nextSameChannel = posts.slice(1).find((p) => p.params.channel === posts[0]?.params.channel);
    assert.ok((nextSameChannel?.at ?? 0) - firstLimited >= 1000, `${(nextSameChannel?.at ?? 0) - firstLimited} ms`);
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

delivery('5xx answers and dropped connections are retried with backoff; nothing is lost or doubled', async () => {
  const slack = await new FakeSlack().start();
  let failures = 0;
  slack.overrides.set('chat.postMessage', () =>
    failures++ < 4 ? [500, { ok: false, error: 'internal_error' }] : undefined,
  );
  const bot = await startBot(botWorld(), botConfig(), { slack, channelSpacingMs: 0, retryBaseMs: 50 });
  try {
    await scanned(bot);
    await drained(bot);
    assert.is(alertedKeys(bot).length, 4);
    assert.is(new Set(alertedKeys(bot)).size, 4, 'no key alerted twice');
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

delivery('a message Slack posted but answered 500 for is found on the retry, not posted again', async () => {
  const slack = await new FakeSlack().start();
  let broken = 0;
  slack.overrides.set('chat.postMessage', (params) => {
    if (broken++ >= 2) return undefined;
    slack.defaultAnswer('chat.postMessage', params);
    return [500, { ok: false, error: 'internal_error' }];
  });
  const bot = await startBot(botWorld(), botConfig(), { slack, channelSpacingMs: 0, retryBaseMs: 50 });
  try {
    await scanned(bot);
    await drained(bot);
    assert.is(alertedKeys(bot).length, 4, 'every key alerted');
    assert.is(new Set(alertedKeys(bot)).size, 4, 'none twice');
    assert.ok(slack.callsOf('conversations.history').length >= 2, 'the retries looked first');
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

delivery('a 429 storm longer than the attempts for errors still delivers: Slack said when to come back', async () => {
  const slack = await new FakeSlack().start();
  let limited = 0;
  slack.overrides.set('chat.postMessage', () =>
    limited++ < 12 ? [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '0' }] : undefined,
  );
  const bot = await startBot(botWorld(), botConfig(), { slack, channelSpacingMs: 0 });
  try {
    await scanned(bot);
    const counts = await drained(bot);
    assert.equal(counts, { pending: 0, sending: 0, failed: 0 });
    assert.is(alertedKeys(bot).length, 4);
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

delivery(
  'a message Slack refuses for good is recorded with its error, surfaced in status, and blocks no other',
  async () => {
    const slack = await new FakeSlack().start();
    slack.overrides.set('chat.postMessage', (p) =>
      p.channel === 'C0STAGING' ? [200, { ok: false, error: 'invalid_blocks' }] : undefined,
    );
    const bot = await startBot(botWorld(), botConfig(), { slack, channelSpacingMs: 0 });
    try {
      await scanned(bot);
      const counts = await drained(bot);
      assert.ok(counts.failed > 0);
      assert.equal(
        topLevel(bot).map((m) => m.channel),
        [ALERTS, ALERTS],
        'prod alerts went out',
      );
      const failed = bot.system.record.outbox(100).filter((r) => r.state === 'failed');
      assert.ok(
        failed.every((r) => r.lastError === 'invalid_blocks' && r.attempts === 1),
        'not retried',
      );
      const status = await bot.command('status');
      assert.match(JSON.stringify(status.json), /failed\*/);
      assert.match(JSON.stringify(status.json), /invalid_blocks/);
      assert.ok(bot.logs.some((l) => l.level === 'error' && l.fields.error === 'invalid_blocks'));
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

/** A database with one scan recorded by the CLI and not delivered by any bot. */
async function recordedWithoutBot(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-restart-'));
  const config = join(dir, 'k.yml');
  writeFileSync(config, botConfig());
  const db = join(dir, 'k.db');
  await withSandbox(botWorld(), async () => {
    const run = await cli(['scan', '--config', config, '--db', db], '', process.env);
    assert.is(run.code, 3, run.stderr);
  });
  return db;
}

delivery('a restart with a non-empty outbox delivers what was waiting, once', async () => {
  const db = await recordedWithoutBot();
  const bot = await startBot(botWorld(), botConfig(), { db, channelSpacingMs: 0 });
  try {
    await bot.system.bot.notifier.idle();
    assert.is(alertedKeys(bot).length, 4);
  } finally {
    await bot.stop();
  }
  const again = await startBot(botWorld(), botConfig(), { db, channelSpacingMs: 0 });
  try {
    await again.system.bot.notifier.idle();
    assert.is(topLevel(again).length, 0, 'a second start posts nothing again');
  } finally {
    await again.stop();
  }
});

delivery(
  'a message left in doubt by a crash is looked for in Slack: found, it is not posted again; missing, it is',
  async () => {
    const db = await recordedWithoutBot();
    const store = new SqliteStore(db, 'existing');
    const rows = store.outbox(100).filter((r) => r.kind === 'finding-opened');
    const payments = rows.filter(
      (r) => r.notification.kind === 'finding-opened' && r.notification.finding.aliases.includes('alias/payments'),
    );
    const reports = rows.filter(
      (r) => r.notification.kind === 'finding-opened' && r.notification.finding.aliases.includes('alias/reports'),
    );
    // Both were handed to a notifier that died; only the first made it to Slack.
    store.claimNotificationIds([...payments, ...reports].map((r) => r.id));
    store.close();
    const slack = await new FakeSlack().start();
    slack.messages.push({
      channel: ALERTS,
      ts: '1800000000.999999',
      threadTs: undefined,
      text: 'KMS key alias/payments in 111111111111/us-east-1 lets in 1 untrusted principal',
      blocks: [],
      metadata: {
        event_type: 'kms_sentinel_delivery',
        event_payload: { outbox_ids: payments.map((r) => r.id).join(',') },
      },
      broadcast: false,
    });
    const bot = await startBot(botWorld(), botConfig(), { db, slack, channelSpacingMs: 0 });
    try {
      await bot.system.bot.notifier.idle();
      const posted = slack.callsOf('chat.postMessage').map((c) => String(c.params.text));
      assert.not.ok(
        posted.some((t) => t.includes('alias/payments')),
        'the one that went out is not posted twice',
      );
      assert.is(posted.filter((t) => t.includes('alias/reports')).length, 1, 'the one that did not is sent');
      assert.equal(bot.system.record.alertOf(payments[0]?.fingerprint ?? ''), {
        channel: ALERTS,
        ts: '1800000000.999999',
      });
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

delivery('a message left in doubt is never sent again while Slack cannot be checked', async () => {
  const db = await recordedWithoutBot();
  const store = new SqliteStore(db, 'existing');
  const rows = store.outbox(100).filter((r) => r.kind === 'finding-opened');
  store.claimNotificationIds(rows.map((r) => r.id));
  store.close();
  const slack = await new FakeSlack().start();
  let historyDown = true;
  slack.overrides.set('conversations.history', () =>
    historyDown ? [500, { ok: false, error: 'internal_error' }] : undefined,
  );
  const bot = await startBot(botWorld(), botConfig(), { db, slack, channelSpacingMs: 0, retryBaseMs: 50 });
  try {
    await bot.system.bot.notifier.idle();
    assert.is(alertedKeys(bot).length, 0, 'no alert posted blind while the check fails');
    historyDown = false;
    await drained(bot);
    assert.is(alertedKeys(bot).length, 4, 'once Slack answers, each went out once');
    assert.is(new Set(alertedKeys(bot)).size, 4);
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

delivery('a message in doubt is found however many messages came after it in the channel', async () => {
  const db = await recordedWithoutBot();
  const store = new SqliteStore(db, 'existing');
  const payments = store
    .outbox(100)
    .filter(
      (r) => r.notification.kind === 'finding-opened' && r.notification.finding.aliases.includes('alias/payments'),
    );
  store.claimNotificationIds(payments.map((r) => r.id));
  store.close();
  const slack = await new FakeSlack().start();
  const posted = (ts: string, ids: string) => ({
    channel: ALERTS,
    ts,
    threadTs: undefined,
    text: 'KMS key alias/payments',
    blocks: [],
    metadata: { event_type: 'kms_sentinel_delivery', event_payload: { outbox_ids: ids } },
    broadcast: false,
  });
  slack.messages.push(posted('1800000000.000001', payments.map((r) => r.id).join(',')));
  // Two pages of other messages after it.
  for (let i = 0; i < 450; i++) slack.messages.push(posted(`1800000001.${String(i).padStart(6, '0')}`, '0'));
  const bot = await startBot(botWorld(), botConfig(), { db, slack, channelSpacingMs: 0 });
  try {
    await bot.system.bot.notifier.idle();
    const again = slack.callsOf('chat.postMessage').filter((c) => String(c.params.text).includes('alias/payments'));
    assert.is(again.length, 0, 'not posted twice');
    assert.ok(slack.callsOf('conversations.history').length >= 3, 'every page was read');
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

delivery(
  "a bot stopped (SIGTERM) while a channel waits out Slack's Retry-After stops at once; restarted, it waits out the rest of it, looks for the message it had claimed, and each alert goes out once",
  async () => {
    const { db } = seededDatabase(3, 1);
    const slack = await new FakeSlack().start();
    let first = true;
    slack.overrides.set('chat.postMessage', () => {
      if (!first) return undefined;
      first = false;
      return [429, { ok: false, error: 'ratelimited' }, { 'retry-after': '40' }];
    });
    const clock = new ManualClock();
    try {
      const bot = await startBot(botWorld(), botConfig(), { db, slack, clock, channelSpacingMs: 0 });
      try {
        // The next alert is claimed, and waits the channel's 40 s on the bot's clock (which stands still).
        await deadline(clock.sleeping(40_000), "the next alert waiting out the channel's Retry-After");
        await deadline(bot.stop(), 'the bot stopping without waiting out Retry-After', 5000);
        assert.is(slack.callsOf('chat.postMessage').length, 1, 'nothing posted while stopping');
        const record = new SqliteStore(db, 'read');
        try {
          assert.equal(
            record.outbox(10).map((r) => r.state),
            ['pending', 'sending', 'pending'],
            'the rate-limited alert waits for its retry; the claimed one is in doubt; the third was never claimed',
          );
        } finally {
          record.close();
        }
      } finally {
        clock.advance(40_000);
        await bot.stop();
      }
      // Restarted at once (the Retry-After has 40 s to run): the channel still waits it out, nothing is posted there.
      const later = new ManualClock(clock.now().getTime() - 40_000);
      const posted = slack.callsOf('chat.postMessage').length;
      const again = await startBot(botWorld(), botConfig(), { db, slack, clock: later, channelSpacingMs: 0 });
      try {
        await deadline(later.sleeping(40_000), "the restarted bot waiting out the channel's Retry-After");
        assert.ok(slack.callsOf('conversations.history').length >= 1, 'the message in doubt was looked for');
        assert.is(slack.callsOf('chat.postMessage').length, posted, 'nothing posted before Retry-After has passed');
        later.advance(40_000);
        await deadline(again.system.bot.notifier.idle(), 'the retry of the rate-limited alert');
        assert.equal(alertedKeys(again), ['alias/key-0', 'alias/key-1', 'alias/key-2'], 'each alert once');
        assert.equal(again.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
      } finally {
        await again.stop();
      }
    } finally {
      await slack.stop();
    }
  },
);

delivery(
  'a bot stopped while Slack has not answered a post stops within seconds, keeps the lease, writes nothing more; the next bot finds the message and posts nothing twice',
  async () => {
    const { db } = seededDatabase(2, 1);
    const slack = await new FakeSlack().start();
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    let held = true;
    let arrived: () => void = () => undefined;
    const posting = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // Slack takes the first post and answers only when the test says so.
    slack.overrides.set('chat.postMessage', async () => {
      if (!held) return undefined;
      held = false;
      arrived();
      await answered;
      return undefined;
    });
    const clock = new ManualClock();
    try {
      const bot = await startBot(botWorld(), botConfig(), { db, slack, clock, channelSpacingMs: 0 });
      let holder: string | undefined;
      try {
        await deadline(posting, 'the first post on its way');
        holder = bot.system.record.deliveryLease()?.holder;
        const stopping = bot.stop();
        await deadline(clock.sleeping(4000), 'the stop waiting a while for Slack');
        clock.advance(4000);
        await deadline(stopping, 'the bot stopping without Slack having answered', 5000);
        await deadline(
          bot.waitForLog((e) => e.fields.state === 'stopped-in-flight'),
          'the stop logged as leaving a message in doubt',
        );
      } finally {
        answer();
        await bot.stop();
      }
      await deadline(slack.waitForCalls('chat.postMessage', 1), 'Slack posting the held message late');
      const record = new SqliteStore(db, 'read');
      try {
        assert.is(record.deliveryLease()?.holder, holder, 'the lease is not let go while a post may still land');
        assert.ok(
          record.outbox(10).some((r) => r.state === 'sending'),
          'the message Slack had not answered is in doubt',
        );
      } finally {
        record.close();
      }
      // The next bot takes over once the lease lapses, finds the message in Slack, and sends only the rest.
      const later = new ManualClock(clock.now().getTime() + 61_000);
      const again = await startBot(botWorld(), botConfig(), { db, slack, clock: later, channelSpacingMs: 0 });
      try {
        await deadline(again.system.bot.notifier.idle(), 'the next bot delivering');
        assert.ok(slack.callsOf('conversations.history').length >= 1, 'the message in doubt was looked for');
        assert.equal(alertedKeys(again), ['alias/key-0', 'alias/key-1'], 'each alert once');
        assert.equal(again.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
      } finally {
        await again.stop();
      }
    } finally {
      await slack.stop();
    }
  },
);

delivery.run();
