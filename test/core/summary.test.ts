import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type {
  ChangedFinding,
  FindingChange,
  FindingGroup,
  SummaryFacts,
  SummaryItemSource,
} from '../../src/core/summary/facts.js';
import { summarize } from '../../src/core/summary/summarize.js';

const summary = suite('summarize: the numbers of the summary, from what the record returns');
const NOW = new Date('2030-06-03T09:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

const facts = (over: Partial<SummaryFacts>): SummaryFacts => ({
  steady: [],
  changed: [],
  changes: [],
  oldestOpen: undefined,
  expiring: [],
  unreadable: [],
  ...over,
});
const group = (over: Partial<FindingGroup>): FindingGroup => ({
  accountId: '111111111111',
  severity: 'high',
  status: 'open',
  kind: 'account',
  ackUntil: null,
  count: 1,
  ...over,
});
const finding = (over: Partial<ChangedFinding>): ChangedFinding => ({
  fingerprint: 'f1',
  accountId: '111111111111',
  severity: 'high',
  status: 'open',
  kind: 'account',
  ackUntil: null,
  firstSeen: ago(100),
  ...over,
});
const change = (at: string, action: string, before: unknown = null, fingerprint = 'f1'): FindingChange => ({
  at,
  action,
  before,
  fingerprint,
});
/** Open findings of one severity at each of the 8 points, the oldest first. */
const trendOf = (facts: SummaryFacts, severity: 'critical' | 'high' = 'high') =>
  summarize(facts, NOW).trend.map((w) => w.bySeverity[severity]);

summary('an acknowledgement unchanged in the window counts as open from the day it ends', () => {
  const s = facts({ steady: [group({ status: 'acknowledged', ackUntil: ago(10), count: 3 })] });
  assert.equal(trendOf(s), [0, 0, 0, 0, 0, 0, 3, 3]);
  assert.is(summarize(s, NOW).open.total, 3);
  assert.is(summarize(s, NOW).acknowledged, 0);
});

summary('a finding escalated from acknowledged: acknowledged (not open) before, open at its new severity after', () => {
  const s = facts({
    changed: [finding({ severity: 'critical' })],
    changes: [change(ago(20), 'finding-escalated', { status: 'acknowledged', severity: 'medium', public: false })],
  });
  assert.equal(trendOf(s, 'critical'), [0, 0, 0, 0, 0, 1, 1, 1]);
  assert.equal(
    summarize(s, NOW).trend.map((w) => w.bySeverity.medium),
    [0, 0, 0, 0, 0, 0, 0, 0],
    'it was acknowledged, so not open, before',
  );
});

summary('before it was first seen, a finding is in no week; resolved and opened again, it counts once each', () => {
  const s = facts({
    changed: [finding({ firstSeen: ago(30) })],
    changes: [
      change(ago(30), 'finding-opened'),
      change(ago(6), 'finding-resolved', { status: 'open' }),
      change(ago(2), 'finding-reopened', { status: 'resolved' }),
    ],
  });
  assert.equal(trendOf(s), [0, 0, 0, 1, 1, 1, 1, 1]);
  assert.equal(summarize(s, NOW).week, { opened: 0, reopened: 1, resolved: 1 });
});

summary('an acknowledgement given and ended in the window: open, acknowledged, then open again', () => {
  const s = facts({
    changed: [finding({ status: 'open', ackUntil: ago(12) })],
    changes: [
      change(ago(40), 'finding-acknowledged', { status: 'open', ackUntil: null }),
      change(ago(5), 'acknowledgement-expired', { status: 'acknowledged', until: ago(12) }),
    ],
  });
  // Open 49 and 42 days ago; acknowledged at 35, 28, 21 and 14; its end (day 12) passed by day 7.
  assert.equal(trendOf(s), [1, 1, 0, 0, 0, 0, 1, 1]);
});

summary('changes outside the last 7 days, or recorded ahead of now, are not in the week', () => {
  const s = facts({
    changed: [finding({}), finding({ fingerprint: 'f2' })],
    changes: [
      change(ago(8), 'finding-opened'),
      change(ago(-1), 'finding-opened', null, 'f2'),
      change(ago(7), 'finding-resolved', { status: 'open' }),
    ],
  });
  assert.equal(summarize(s, NOW).week, { opened: 0, reopened: 0, resolved: 0 });
});

summary('open by account: the ten with the most named, the rest counted; resolved ones not at all', () => {
  const steady = Array.from({ length: 12 }, (_, i) =>
    group({ accountId: String(100000000000 + i), count: i + 1, severity: i % 2 === 0 ? 'low' : 'critical' }),
  );
  const s = summarize(
    facts({
      steady,
      changed: [finding({ accountId: '999999999999', status: 'resolved' })],
      changes: [change(ago(1), 'finding-resolved', { status: 'open' })],
    }),
    NOW,
  );
  assert.is(s.byAccount.length, 10);
  assert.equal(s.byAccount[0], { accountId: '100000000011', open: 12 });
  assert.equal(s.otherAccounts, { accounts: 2, open: 1 + 2 });
  assert.is(s.open.total, 78);
  assert.equal(s.open.bySeverity, { critical: 2 + 4 + 6 + 8 + 10 + 12, high: 0, medium: 0, low: 36 });
});

summary('acknowledgements ending within the week are counted, those ending later or already ended are not', () => {
  const s = summarize(
    facts({
      steady: [
        group({ status: 'acknowledged', ackUntil: ago(-2), count: 2 }),
        group({ status: 'acknowledged', ackUntil: ago(-7), count: 1 }),
        group({ status: 'acknowledged', ackUntil: ago(-8), count: 4 }),
        group({ status: 'acknowledged', ackUntil: null, count: 5 }),
        group({ status: 'acknowledged', ackUntil: ago(1), count: 6 }),
      ],
    }),
    NOW,
  );
  assert.is(s.expiring.total, 3);
  assert.is(s.acknowledged, 2 + 1 + 4 + 5);
  assert.is(s.open.total, 6);
});

summary('keys that could not be read or judged are counted while not resolved, and named from the record', () => {
  const locked: SummaryItemSource = {
    fingerprint: 'k1',
    accountId: '222222222222',
    region: 'eu-west-1',
    keyId: 'k-1',
    keyArn: 'arn:aws:kms:eu-west-1:222222222222:key/k-1',
    aliases: [],
    kind: 'unreadable',
    principal: 'unreadable',
    severity: 'high',
    firstSeen: ago(3),
    ackUntil: null,
    ackBy: null,
  };
  const s = summarize(
    facts({
      steady: [group({ kind: 'unreadable' }), group({ kind: 'analysis-error', status: 'acknowledged' })],
      unreadable: [locked],
    }),
    NOW,
  );
  assert.is(s.unreadable.total, 2);
  assert.equal(s.unreadable.listed, [
    {
      fingerprint: 'k1',
      accountId: '222222222222',
      region: 'eu-west-1',
      keyId: 'k-1',
      keyArn: 'arn:aws:kms:eu-west-1:222222222222:key/k-1',
      alias: null,
      kind: 'unreadable',
      principal: 'unreadable',
      severity: 'high',
      firstSeen: ago(3),
      ackUntil: null,
      ackBy: null,
    },
  ]);
});

summary.run();
