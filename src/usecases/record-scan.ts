import { parseTrustEntry, type TrustEntry } from '../core/trust.js';
import { rejudge, type ScanResult } from './run-scan.js';
import type { FindingChanges, Store } from './store-port.js';
import { reevaluate, trustedEntries } from './trust-list.js';

export interface RecordedScan {
  readonly changes: FindingChanges;
  /**
   * The scan judged with the trust list as it stood when it was recorded (plus one run's `--trust`): a trust change
   * made while the scan ran is honoured, so the output and the record agree.
   */
  readonly result: ScanResult;
}

/**
 * Lands a finished scan in the record, in one transaction. The scan's keys are judged again inside it, against the
 * trust list as it is at that moment (the organization's members first, with trustMembers), so that whatever order a
 * scan and a trust change land in, the record equals a fresh judgement of the stored keys. A one-run `--trust`
 * shows in the output but never resolves anything on record.
 */
export function recordScanResult(
  store: Store,
  result: ScanResult,
  options: { startedBy: string; now: Date; runOnlyTrust: readonly TrustEntry[] },
): RecordedScan {
  return store.transaction(() => {
    const members = result.organizationTrust;
    const orgChanged = members ? store.syncOrganizationTrust(members.map(parseTrustEntry), options.now) : 0;
    const trusted = trustedEntries(store);
    const onRecord = rejudge(result, trusted);
    const changes = store.recordScan(onRecord, options.startedBy, options.now);
    if (orgChanged > 0) reevaluate(store, "the organization's members changed", 'organization', options.now);
    const shown = options.runOnlyTrust.length > 0 ? rejudge(result, [...trusted, ...options.runOnlyTrust]) : onRecord;
    return { changes, result: shown };
  });
}
