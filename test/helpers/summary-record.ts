import type { KeySnapshot } from '../../src/core/scan/types.js';
import type { ScanError } from '../../src/usecases/scan-types.js';
import type { Store } from '../../src/usecases/store-port.js';
import { commitStaged, scanOf } from './scan-results.js';

export const HOME = '111111111111';
export const OTHER = '222222222222';
export const STRANGER = '999999999999';
const DAY = 86_400_000;

/** A key of `owner` in us-east-1 whose statement "Shared" lets `principal` do `actions` (none: only its owner). */
export function key(id: string, owner: string, shared?: { principal: string; actions: string[] }): KeySnapshot {
  const statements: object[] = [
    { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner}:root` }, Action: 'kms:*', Resource: '*' },
  ];
  if (shared !== undefined) {
    const principal = shared.principal === '*' ? '*' : { AWS: shared.principal };
    statements.push({ Sid: 'Shared', Effect: 'Allow', Principal: principal, Action: shared.actions, Resource: '*' });
  }
  return {
    accountId: owner,
    region: 'us-east-1',
    keyId: id,
    keyArn: `arn:aws:kms:us-east-1:${owner}:key/${id}`,
    aliases: [`alias/${id}`],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    grants: [],
  };
}

const decrypt = { principal: STRANGER, actions: ['kms:Decrypt'] };

/**
 * Lands the record the summary tests read, through the production paths (staged scans, acknowledgements), on the
 * days before `now`: each finding's story, and what the summary must say of it, is in the comment beside it.
 */
export function buildSummaryRecord(store: Store, now: Date): void {
  const at = (days: number) => new Date(now.getTime() - days * DAY);
  // The keys as each scan reads them, by day before `now`.
  const home = (days: number): KeySnapshot[] => [
    // a: high, open since day 65: open throughout, the oldest open finding.
    ...(days <= 65 ? [key('a', HOME, decrypt)] : []),
    // g: high from day 60, critical (kms:*) from day 20: escalated.
    ...(days <= 60 ? [key('g', HOME, days > 20 ? decrypt : { principal: STRANGER, actions: ['kms:*'] })] : []),
    // b: medium (DescribeKey) from day 30, resolved on day 3.
    ...(days <= 30
      ? [key('b', HOME, days > 3 ? { principal: STRANGER, actions: ['kms:DescribeKey'] } : undefined)]
      : []),
    // d: high from day 50; acknowledged on day 40 until 3 days from now.
    ...(days <= 50 ? [key('d', HOME, decrypt)] : []),
    // e: high from day 45; acknowledged on day 40 until day 10: open again since.
    ...(days <= 45 ? [key('e', HOME, decrypt)] : []),
    // f: public (critical) from day 10.
    ...(days <= 10 ? [key('f', HOME, { principal: '*', actions: ['kms:Decrypt'] })] : []),
    // h: opened on day 70, resolved on day 60: never open in the trend's weeks.
    key('h', HOME, days > 60 ? decrypt : undefined),
    // r: high from day 60, resolved on day 30, opened again on day 5.
    ...(days <= 60 ? [key('r', HOME, days > 30 && days <= 60 ? decrypt : days <= 5 ? decrypt : undefined)] : []),
  ];
  // The other account: "locked" cannot be read from day 20; c is high from day 2.
  const other = (days: number): KeySnapshot[] => (days <= 2 ? [key('c', OTHER, decrypt)] : []);
  for (const days of [70, 65, 60, 50, 45, 30, 20, 10, 5, 3, 2]) {
    const scan = scanOf([...home(days), ...other(days)], { at: at(days), id: `scan-day-${days}` });
    const locked = days <= 20;
    const withLocked = locked
      ? {
          ...scan,
          coverage: [
            { accountId: HOME, region: 'us-east-1', complete: true },
            { accountId: OTHER, region: 'us-east-1', complete: false, listed: true, keysUnread: ['locked'] },
          ],
          errors: [unreadable()],
        }
      : scan;
    commitStaged(store, withLocked, { now: at(days) });
    if (days === 45) {
      // Acknowledged on day 40 (between the scans of days 45 and 30).
      const fingerprintOf = (id: string) =>
        store.findings({ status: 'open', accountId: HOME }, at(40)).find((f) => f.keyId === id)?.fingerprint as string;
      store.acknowledge(fingerprintOf('d'), 'slack:U0ADMIN', 'accepted for now', at(-3), at(40));
      store.acknowledge(fingerprintOf('e'), 'slack:U0ADMIN', 'until the migration', at(10), at(40));
    }
  }
}

function unreadable(): ScanError {
  return {
    accountId: OTHER,
    region: 'us-east-1',
    keyId: 'locked',
    keyArn: `arn:aws:kms:us-east-1:${OTHER}:key/locked`,
    code: 'KeyPolicyUnreadable',
    message: 'the key policy does not let the scanner read it',
  };
}

/** What the summary of that record says at `now`, as the tests expect it. */
export const EXPECTED = {
  open: { total: 7, bySeverity: { critical: 2, high: 5, medium: 0, low: 0 } },
  acknowledged: 1,
  byAccount: [
    { accountId: HOME, open: 5 },
    { accountId: OTHER, open: 2 },
  ],
  week: { opened: 1, reopened: 1, resolved: 1 },
  /** Per severity (critical, high, medium, low), the oldest week first. */
  trend: [
    [0, 4, 0, 0],
    [0, 5, 0, 0],
    [0, 3, 0, 0],
    [0, 2, 1, 0],
    [0, 2, 1, 0],
    [1, 2, 1, 0],
    [2, 3, 1, 0],
    [2, 5, 0, 0],
  ],
};
