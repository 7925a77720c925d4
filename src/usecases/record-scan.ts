import { parseTrustEntry, type TrustEntry } from '../core/trust.js';
import { rejudge, type ScanResult } from './run-scan.js';
import type { FindingChanges, Store } from './store-port.js';
import { reevaluate, trustedEntries } from './trust-list.js';

/**
 * Lands a finished scan in the record, in one transaction: the organization's members (with trustMembers) become
 * the store's organization trust, and the findings recorded are those the store's own trust list gives, so that
 * a one-run `--trust` shows in the output but never resolves anything on record.
 */
export function recordScanResult(
  store: Store,
  result: ScanResult,
  options: { startedBy: string; now: Date; runOnlyTrust: readonly TrustEntry[] },
): FindingChanges {
  return store.transaction(() => {
    const members = result.organizationTrust;
    const orgChanged = members ? store.syncOrganizationTrust(members.map(parseTrustEntry), options.now) : 0;
    const onRecord = options.runOnlyTrust.length > 0 ? rejudge(result, trustedEntries(store)) : result;
    const changes = store.recordScan(onRecord, options.startedBy, options.now);
    if (orgChanged > 0) reevaluate(store, "the organization's members changed", 'organization', options.now);
    return changes;
  });
}
