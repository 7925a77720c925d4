import { evaluateKey } from '../../src/core/scan/evaluate-key.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { parseTrustEntry, trustZone } from '../../src/core/trust.js';
import { type CommittedScan, commitScan } from '../../src/usecases/record-scan.js';
import type { Coverage, FindingChanges, RecordableScan } from '../../src/usecases/scan-types.js';
import type { Store } from '../../src/usecases/store-port.js';

export const OWNER = '111111111111';
export const STRANGER = '999999999999';
/** The account outside every trust list that `sharedKey` lets in. */
export const FOREIGN = STRANGER;

/** A key in `owner`'s account (default OWNER, us-east-1) whose policy also lets in `shared` (account IDs or ARNs). */
export function keyWith(keyId: string, shared: string[], region = 'us-east-1', owner = OWNER): KeySnapshot {
  const statements: object[] = [
    { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner}:root` }, Action: 'kms:*', Resource: '*' },
  ];
  if (shared.length > 0)
    statements.push({
      Sid: 'Shared',
      Effect: 'Allow',
      Principal: { AWS: shared },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
  return {
    accountId: owner,
    region,
    keyId,
    keyArn: `arn:aws:kms:${region}:${owner}:key/${keyId}`,
    aliases: [`alias/${keyId}`],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    grants: [],
  };
}

/** A key in `account` whose policy lets FOREIGN decrypt: one finding once judged. */
export function sharedKey(account: string, keyId: string, region = 'us-east-1'): KeySnapshot {
  return keyWith(keyId, [FOREIGN], region, account);
}

let scans = 0;

/**
 * A finished scan of these keys, judged against `trusted`, covering `coverage` (default: every key's region,
 * complete), with its findings already judged: what the store's recordScan takes.
 */
export function scanOf(
  keys: KeySnapshot[],
  options: { id?: string; trusted?: string[]; coverage?: Coverage[]; at?: Date } = {},
): RecordableScan {
  scans++;
  const trust = (options.trusted ?? []).map(parseTrustEntry);
  const findings = keys.flatMap((k) => evaluateKey(k, trustZone(k.accountId, trust)).findings);
  const regions = [...new Set(keys.map((k) => `${k.accountId}/${k.region}`))];
  const coverage =
    options.coverage ??
    regions.map((r) => ({ accountId: r.split('/')[0] as string, region: r.split('/')[1] as string, complete: true }));
  const at = (options.at ?? new Date('2026-11-01T00:00:00Z')).toISOString();
  return {
    scan: {
      id: options.id ?? `scan-${scans}`,
      startedAt: at,
      finishedAt: at,
      accounts: new Set(keys.map((k) => k.accountId)).size,
      regions: regions.length,
      keys: keys.length,
      customerManagedKeys: keys.length,
      apiCalls: 3 * keys.length,
      throttled: 0,
      complete: coverage.every((c) => c.complete),
    },
    findings,
    errors: [],
    keys,
    coverage,
  };
}

/** Lands a scan the way a real one does: its keys staged, then judged inside the recording transaction. */
export function commitStaged(
  store: Store,
  scan: RecordableScan,
  options: { now: Date; stagedAt?: Date; startedBy?: string; runOnlyTrust?: string[]; organizationTrust?: string[] },
): CommittedScan {
  store.stageKeys(scan.scan.id, scan.keys, options.stagedAt ?? options.now);
  return commitScan(store, {
    outcome: { ...scan, organizationTrust: options.organizationTrust ?? null },
    startedBy: options.startedBy ?? 'test',
    now: options.now,
    runOnlyTrust: options.runOnlyTrust ?? [],
  });
}

/** Records a scan through the production path (staged, then committed): the changes to its findings. */
export function recordScanned(store: Store, scan: RecordableScan, startedBy: string, now: Date): FindingChanges {
  return commitStaged(store, scan, { now, startedBy }).changes;
}
