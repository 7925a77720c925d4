import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { summaryMessage } from '../../src/bot/blocks/summary.js';
import type { RecordSummary } from '../../src/core/summary/summarize.js';
import { ALERTS, type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock, WAIT_MS } from '../helpers/clock.js';
import { FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { ManualSchedule } from '../helpers/schedule.js';
import { buildSummaryRecord, EXPECTED } from '../helpers/summary-record.js';

const summary = suite('bot: the scheduled summary and /kms summary');
const DAY = 86_400_000;

/** The start of the minute `at` is in (a summary is written once per minute). */
const minuteOf = (at: number) => Math.floor(at / 60_000) * 60_000;

/** A database holding the summary tests' record, as of `now`. */
function recordAt(now: Date): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-summary-bot-')), 'kms-sentinel.db');
  const store = new SqliteStore(path);
  buildSummaryRecord(store, now);
  store.close();
  return path;
}

function summariesIn(db: string): number {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'summary'").pluck().get() as number;
  } finally {
    sqlite.close();
  }
}

/** The summary's log line of the next tick: queued, or queued already. */
async function ticked(bot: BotUnderTest, schedule: ManualSchedule, seen: number): Promise<string> {
  const lines = () => bot.logs.filter((l) => l.fields.event === 'summary');
  schedule.tick();
  await bot.waitForLog(() => lines().length > seen);
  return String(lines()[seen]?.fields.outcome);
}

/** The summaries posted (the record's alerts are posted too). */
const summaryPosts = (slack: FakeSlack) =>
  slack.callsOf('chat.postMessage').filter((c) => String(c.params.text).startsWith('KMS summary'));

function waitForSummaries(slack: FakeSlack, count: number): Promise<SlackCall[]> {
  return deadline(
    (async () => {
      while (summaryPosts(slack).length < count) await once(slack.events, 'call');
      return summaryPosts(slack);
    })(),
    `${count} summaries posted`,
    WAIT_MS,
  );
}

const textOf = (blocks: unknown) =>
  ((blocks as { text?: { text: string } }[] | undefined) ?? []).map((b) => b.text?.text ?? '').join('\n');

summary(
  'on its schedule: posted once to the alert channel, with the record’s numbers; not again after a restart',
  async () => {
    // A week ago: the summary's clock then moves a week on, to about now. (The notifier runs on the system's clock,
    // and waits for what the outbox holds up to its time: a summary written ahead of it would wait.)
    const clock = new ManualClock(minuteOf(Date.now() - 7 * DAY));
    const db = recordAt(clock.now());
    const slack = await new FakeSlack().start();
    const schedule = new ManualSchedule();
    const config = botConfig('summary: {}');
    let bot = await startBot(botWorld(), config, { db, slack, channelSpacingMs: 0, summary: { schedule, clock } });
    try {
      assert.is(await ticked(bot, schedule, 0), 'queued');
      const [post] = await waitForSummaries(slack, 1);
      assert.is(post?.params.channel, ALERTS);
      assert.is(post?.params.text, `KMS summary: 7 open findings (2 critical, 5 high); last 7 days: 1 new, 1 resolved`);
      const text = textOf(post?.params.blocks);
      assert.match(text, /\*Open findings: 7\*/);
      assert.match(text, /\*Last 7 days:\* 1 new, 1 opened again, 1 resolved/);
      assert.match(text, /prod `111111111111`: 5 open\n• staging `222222222222`: 2 open/);
      assert.match(text, /\*Oldest open finding:\* .*`alias\/a`.*\(65 days ago\)/);
      assert.match(text, /\*Acknowledgements ending in the next 7 days: 1\*\n• `alias\/d`/);
      assert.match(text, /\*Keys that could not be read: 1\*\n• `locked`/);
      const rows = /```\n([\s\S]*)\n```/.exec(text)?.[1]?.split('\n') ?? [];
      assert.is(rows.length, 9, 'a header and 8 weeks');
      assert.equal(
        rows.slice(1).map((r) => r.trim().split(/\s+/).slice(2).map(Number)),
        EXPECTED.trend,
      );
      assert.ok(
        rows.every((r) => r.length <= 32),
        'narrow enough for a phone',
      );

      // The same minute again (a second tick, or the bot restarted within it): nothing more.
      assert.is(await ticked(bot, schedule, 1), 'already-queued');
      await bot.system.bot.notifier.idle();
      await bot.stop();
      clock.advance(20_000);
      bot = await startBot(botWorld(), config, { db, slack, channelSpacingMs: 0, summary: { schedule, clock } });
      assert.is(await ticked(bot, schedule, 0), 'already-queued');
      await bot.system.bot.notifier.idle();
      assert.is(summaryPosts(slack).length, 1, 'posted once');
      assert.is(summariesIn(db), 1);

      // A week later, the next one.
      clock.advance(7 * DAY);
      assert.is(await ticked(bot, schedule, 1), 'queued');
      await waitForSummaries(slack, 2);
      assert.is(summariesIn(db), 2);
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

summary('two bots on one database, both on the schedule: one summary, to summary.channel', async () => {
  const clock = new ManualClock(minuteOf(Date.now() - DAY));
  const db = recordAt(clock.now());
  const slack = await new FakeSlack().start();
  const [one, two] = [new ManualSchedule(), new ManualSchedule()];
  const config = botConfig('summary: { schedule: "0 8 * * MON", channel: C0SUMMARY }');
  const first = await startBot(botWorld(), config, {
    db,
    slack,
    channelSpacingMs: 0,
    summary: { schedule: one, clock },
  });
  const second = await startBot(botWorld(), config, {
    db,
    slack,
    channelSpacingMs: 0,
    summary: { schedule: two, clock },
  });
  try {
    const outcomes = await Promise.all([ticked(first, one, 0), ticked(second, two, 0)]);
    assert.equal(outcomes.sort(), ['already-queued', 'queued']);
    const [post] = await waitForSummaries(slack, 1);
    assert.is(post?.params.channel, 'C0SUMMARY');
    await first.system.bot.notifier.idle();
    await second.system.bot.notifier.idle();
    assert.is(summaryPosts(slack).length, 1);
    assert.is(summariesIn(db), 1);
  } finally {
    await second.stop();
    await first.stop();
    await slack.stop();
  }
});

summary(
  '/kms summary: the same on demand, seen by the caller only; no summary is scheduled without the key',
  async () => {
    const db = recordAt(new Date());
    const schedule = new ManualSchedule();
    const bot = await startBot(botWorld(), botConfig(), { db, channelSpacingMs: 0, summary: { schedule } });
    try {
      const reply = await bot.command('summary', MEMBER);
      assert.is(reply.status, 200);
      assert.is(reply.json?.response_type, 'ephemeral');
      const text = textOf(reply.json?.blocks);
      assert.match(text, /\*Open findings: 7\*/);
      assert.match(text, /\*Last 7 days:\* 1 new, 1 opened again, 1 resolved/);
      assert.match(text, /week to/);
      assert.match(String(reply.json?.text), /^KMS summary: 7 open findings/);
      assert.match(textOf((await bot.command('summary now')).json?.blocks), /summary takes nothing after it/);
      // Without summary: in the config, its schedule is never started.
      schedule.tick();
      await bot.system.bot.notifier.idle();
      assert.is(
        bot.logs.filter((l) => l.fields.event === 'summary').length,
        0,
        'no scheduled summary without summary: in the config',
      );
      assert.is(summariesIn(db), 0);
    } finally {
      await bot.stop();
    }
  },
);

summary('text from outside stays text: account names and principals escaped, long ones cut, dates whole', () => {
  const item = {
    fingerprint: 'f',
    accountId: '111111111111',
    region: 'us-east-1',
    keyId: 'k',
    keyArn: 'arn:aws:kms:us-east-1:111111111111:key/k',
    alias: 'alias/`x`',
    kind: 'principal' as const,
    principal: `arn:aws:iam::999999999999:role/${'a'.repeat(5000)}`,
    severity: 'high' as const,
    firstSeen: '2030-01-01T00:00:00.000Z',
    ackUntil: '2030-03-06T00:00:00.000Z',
    ackBy: 'slack:U0ADMIN',
  };
  const zero = { critical: 0, high: 1, medium: 0, low: 0 };
  const s: RecordSummary = {
    at: '2030-03-04T09:00:00.000Z',
    open: { total: 1, bySeverity: zero },
    acknowledged: 0,
    byAccount: [{ accountId: '111111111111', open: 1 }],
    otherAccounts: { accounts: 0, open: 0 },
    week: { opened: 0, reopened: 0, resolved: 0 },
    oldestOpen: item,
    expiring: { total: 7, listed: [item] },
    unreadable: { total: 0, listed: [] },
    trend: Array.from({ length: 8 }, (_, i) => ({
      at: new Date(Date.UTC(2030, 0, 14 + 7 * i)).toISOString(),
      bySeverity: zero,
    })),
  };
  const message = summaryMessage(s, () => '<!channel> *prod*');
  const texts = message.blocks.map((b) => ('text' in b && b.text !== undefined ? b.text.text : ''));
  const all = texts.join('\n');
  assert.not.match(all, /<!channel>/);
  assert.match(all, /&lt;!channel&gt; ∗prod∗ `111111111111`: 1 open/);
  assert.match(all, /`alias\/ˋxˋ`/);
  assert.ok(
    texts.every((t) => t.length <= 3000),
    "every section within Slack's limit",
  );
  assert.match(all, /a…` on/, 'the principal is cut short');
  assert.match(all, /ends <!date\^\d+\^\{date_short_pretty\} \{time\}\|2030-03-06 00:00:00 UTC>, by <@U0ADMIN>/);
  assert.match(all, /\*Acknowledgements ending in the next 7 days: 7\*\n• .*\n…and 6 more/);
  assert.match(all, /\*Keys that could not be read:\* none/);
});

summary.run();
