import { SentinelError } from '../core/errors.js';
import { fingerprintOf } from '../core/findings/fingerprint.js';
import { judgeKey } from '../core/scan/evaluate-key.js';
import { parseTrustEntry, type TrustEntry } from '../core/trust.js';
import { analysisError } from './scan-errors.js';
import type { FindingChanges, ScanOutcome } from './scan-types.js';
import type { Store } from './store-port.js';
import { reevaluate, trustedEntries } from './trust-list.js';

/** A scan whose keys are staged, ready to land in the record. */
export interface ScanCommit {
  readonly outcome: Pick<ScanOutcome, 'scan' | 'errors' | 'coverage' | 'organizationTrust'>;
  readonly startedBy: string;
  readonly now: Date;
  /** One run's `--trust`: it hides findings from the scan's output, and never changes the record. */
  readonly runOnlyTrust: readonly string[];
}

export interface CommittedScan {
  readonly changes: FindingChanges;
  /** False also when the engine failed on some key (an `AnalysisError` among the scan's errors). */
  readonly complete: boolean;
  /** Findings of the scan that one run's `--trust` hides from its output. */
  readonly hidden: readonly string[];
}

/**
 * Lands a scan in the record, in one transaction. Its staged keys are judged inside it, against the trust list as it
 * is at that moment (the organization's members first, with trustMembers), so that whatever order a scan and a trust
 * change land in, the record equals a fresh judgement of the stored keys. Runs where the write connection is.
 */
export function commitScan(store: Store, commit: ScanCommit): CommittedScan {
  const { outcome, now } = commit;
  const committed = store.transaction(() => {
    // Every key the scan read must be there to land: a scan whose staged keys went missing (another process took
    // them for a dead scan's) would otherwise record their findings as no longer seen.
    const staged = store.stagedCount(outcome.scan.id);
    if (staged !== outcome.scan.customerManagedKeys) {
      throw new SentinelError(
        'database-unusable',
        `the scan read ${outcome.scan.customerManagedKeys} keys but ${staged} are staged in the database (another process dropped them?): nothing was recorded; scan again`,
      );
    }
    const members = outcome.organizationTrust;
    const orgChanged = members ? store.syncOrganizationTrust(members.map(parseTrustEntry), now) : 0;
    const trusted = trustedEntries(store);
    const shownTrust: TrustEntry[] | undefined =
      commit.runOnlyTrust.length > 0 ? [...trusted, ...commit.runOnlyTrust.map(parseTrustEntry)] : undefined;
    const recording = store.beginScan(outcome.scan, outcome.errors, outcome.coverage, commit.startedBy, now);
    const hidden: string[] = [];
    for (const page of store.stagedKeys(outcome.scan.id)) {
      for (const key of recording.saveKeys(page)) {
        const judgement = judgeKey(key, trusted);
        if (!judgement.ok) {
          recording.unjudged(key, analysisError(key, judgement.message));
          continue;
        }
        for (const finding of judgement.findings) recording.seen(finding);
        recording.notices(judgement.notices);
        recording.judged(key);
        if (shownTrust !== undefined) {
          const shown = judgeKey(key, shownTrust);
          const kept = new Set(shown.ok ? shown.findings.map(fingerprintOf) : []);
          for (const finding of judgement.findings) {
            const fingerprint = fingerprintOf(finding);
            if (!kept.has(fingerprint)) hidden.push(fingerprint);
          }
        }
      }
    }
    const { changes, complete } = recording.finish();
    if (orgChanged > 0) reevaluate(store, "the organization's members changed", 'organization', now);
    return { changes, complete, hidden };
  });
  // Its own transaction: deleting a large scan's staged keys inside the one above would have SQLite keep every
  // deleted page until it ends. Keys left by a crash right here are dropped by a later scan.
  store.discardStaged(outcome.scan.id, now);
  return committed;
}
