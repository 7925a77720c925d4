import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { SEVERITY_ORDER } from '../../src/core/policy/actions.js';
import { summarize } from '../../src/core/summary/summarize.js';
import type { Store } from '../../src/usecases/store-port.js';
import { buildSummaryRecord, EXPECTED, HOME, OTHER, STRANGER } from '../helpers/summary-record.js';

const record = suite<{ store: Store; path: string }>('the summary: its numbers, from a record built week by week');
const NOW = new Date('2030-03-04T09:00:00.000Z');
const DAY = 86_400_000;

record.before((context) => {
  context.path = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-summary-')), 'k.db');
  context.store = new SqliteStore(context.path);
  buildSummaryRecord(context.store, NOW);
});
record.after(({ store }) => store.close());

record('open findings by severity and by account, and those acknowledged, as they stand now', ({ store }) => {
  const s = summarize(store.summaryFacts(NOW), NOW);
  assert.equal(s.open, EXPECTED.open);
  assert.is(s.acknowledged, EXPECTED.acknowledged);
  assert.equal(s.byAccount, EXPECTED.byAccount);
  assert.equal(s.otherAccounts, { accounts: 0, open: 0 });
  // The record's own count agrees: an acknowledgement whose end has passed is open in both.
  const counted = store.findingCounts({ status: 'open', accountId: undefined }, NOW);
  assert.is(counted.total, s.open.total);
});

record('the last 7 days: one seen for the first time, one opened again, one resolved', ({ store }) => {
  assert.equal(summarize(store.summaryFacts(NOW), NOW).week, EXPECTED.week);
  // A day later, the finding opened again 5 days ago is still in the week; the one resolved 3 days ago too.
  const later = new Date(NOW.getTime() + DAY);
  assert.equal(summarize(store.summaryFacts(later), later).week, EXPECTED.week);
  // Three days later, the reopening (now 8 days ago) has left the week.
  const after = new Date(NOW.getTime() + 3 * DAY);
  assert.equal(summarize(store.summaryFacts(after), after).week, { opened: 1, reopened: 0, resolved: 1 });
});

record('the oldest open finding, acknowledgements ending within a week, keys that could not be read', ({ store }) => {
  const s = summarize(store.summaryFacts(NOW), NOW);
  assert.is(s.oldestOpen?.keyId, 'a');
  assert.is(s.oldestOpen?.principal, STRANGER);
  assert.is(s.oldestOpen?.firstSeen, new Date(NOW.getTime() - 65 * DAY).toISOString());
  assert.is(s.expiring.total, 1);
  assert.equal(
    s.expiring.listed.map((f) => [f.keyId, f.ackUntil, f.ackBy]),
    [['d', new Date(NOW.getTime() + 3 * DAY).toISOString(), 'slack:U0ADMIN']],
  );
  assert.is(s.unreadable.total, 1);
  assert.equal(
    s.unreadable.listed.map((f) => [f.accountId, f.keyId, f.kind]),
    [[OTHER, 'locked', 'unreadable']],
  );
  // Four days on, the acknowledgement has ended: nothing is about to end, and its finding is open again.
  const later = new Date(NOW.getTime() + 4 * DAY);
  const then = summarize(store.summaryFacts(later), later);
  assert.is(then.expiring.total, 0);
  assert.is(then.acknowledged, 0);
  assert.is(then.open.total, EXPECTED.open.total + 1);
});

record(
  'the 8-week trend: open findings per severity at the end of each week, replayed from the audit log',
  ({ store }) => {
    const s = summarize(store.summaryFacts(NOW), NOW);
    assert.equal(
      s.trend.map((w) => w.at),
      Array.from({ length: 8 }, (_, i) => new Date(NOW.getTime() - (7 - i) * 7 * DAY).toISOString()),
    );
    assert.equal(
      s.trend.map((w) => SEVERITY_ORDER.map((v) => w.bySeverity[v])),
      EXPECTED.trend,
    );
    const last = s.trend.at(-1);
    assert.equal(last?.bySeverity, s.open.bySeverity, 'the last point is now');
  },
);

record('the trend reads only the weeks it shows: the audit log is read by time, through its index', ({ path }) => {
  const db = new Database(path, { readonly: true });
  try {
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT at FROM audit WHERE at >= ? AND action IN ('finding-opened')")
      .all('2030-01-01T00:00:00.000Z') as { detail: string }[];
    assert.ok(
      plan.some((row) => /USING INDEX audit_at/.test(row.detail)),
      JSON.stringify(plan),
    );
  } finally {
    db.close();
  }
});

record('an empty record: zeros, no finding named, and a flat trend', () => {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'kms-sentinel-summary-')), 'empty.db'));
  try {
    const s = summarize(store.summaryFacts(NOW), NOW);
    assert.is(s.open.total, 0);
    assert.equal(s.byAccount, []);
    assert.is(s.oldestOpen, null);
    assert.equal([s.expiring.total, s.unreadable.total], [0, 0]);
    assert.is(s.trend.length, 8);
    assert.ok(s.trend.every((w) => SEVERITY_ORDER.every((v) => w.bySeverity[v] === 0)));
  } finally {
    store.close();
  }
});

record('the same numbers through the read-only connection a CLI or the bot reads with', ({ path }) => {
  const reader = new SqliteStore(path, 'read');
  try {
    assert.equal(summarize(reader.summaryFacts(NOW), NOW).trend.at(0)?.bySeverity.high, EXPECTED.trend[0]?.[1]);
    assert.equal(summarize(reader.summaryFacts(NOW), NOW).byAccount[0]?.accountId, HOME);
  } finally {
    reader.close();
  }
});

record.run();
