import { stableHash } from './findings/fingerprint.js';
import { type KeyFinding, keyFindingOf } from './scan/types.js';
import type { RecordSummary } from './summary/summarize.js';
import type { TrustEntry } from './trust.js';

/** What a notification says about a finding: the finding, with its fingerprint and status on record. */
export interface FindingRef extends KeyFinding {
  readonly fingerprint: string;
  readonly status: 'open' | 'acknowledged' | 'resolved';
}

/** A failure an incomplete scan reports, as its notification lists it. */
export interface ScanFailure {
  readonly code: string;
  readonly accountId: string;
  readonly region: string | null;
  readonly keyId: string | null;
  readonly message: string;
}

/**
 * Every event the record tells the outside world about, written to the outbox in the transaction that causes it.
 * The notifier delivers them in messages, each with a delivery ID stamped on every row it carries.
 */
export type Notification =
  | FindingSeen<'finding-opened'>
  | FindingSeen<'finding-reopened'>
  | FindingSeen<'finding-escalated'>
  | { readonly kind: 'finding-resolved'; readonly finding: FindingRef; readonly cause: string; readonly by: string }
  | {
      readonly kind: 'finding-acknowledged';
      readonly finding: FindingRef;
      readonly by: string;
      readonly reason: string;
      readonly until: string | null;
    }
  | { readonly kind: 'acknowledgement-expired'; readonly finding: FindingRef; readonly until: string }
  | TrustChanged<'trust-added'>
  | TrustChanged<'trust-removed'>
  | RemediationEnded<'remediation-applied'>
  | RemediationEnded<'remediation-failed'>
  | RemediationEnded<'remediation-undone'>
  | {
      readonly kind: 'scan-incomplete';
      readonly scanId: string;
      readonly startedBy: string;
      /** The first failures (at most MAX_LISTED_FAILURES), and how many there were. */
      readonly failures: readonly ScanFailure[];
      readonly failureCount: number;
      /** The same for the same set of failures (codes and scopes, not messages): a notifier repeats no warning. */
      readonly signature: string;
    }
  /** The scheduled summary of the record, as it was when its time came, for `channel`. */
  | { readonly kind: 'summary'; readonly channel: string; readonly summary: RecordSummary };

interface FindingSeen<K extends string> {
  readonly kind: K;
  readonly finding: FindingRef;
  /** The scan that saw it, when a scan did (null: a trust change opened it again). */
  readonly scanId: string | null;
}

interface TrustChanged<K extends string> {
  readonly kind: K;
  readonly entry: string;
  readonly entryKind: TrustEntry['kind'];
  readonly by: string;
  readonly note: string | null;
  /** Fingerprints of the findings the change resolved, and of those it opened again. */
  readonly resolved: readonly string[];
  readonly reopened: readonly string[];
}

interface RemediationEnded<K extends string> {
  readonly kind: K;
  readonly remediationId: string;
  readonly keyArn: string;
  readonly accountId: string;
  readonly by: string;
  /** What was and was not changed in AWS, in words. */
  readonly changed: readonly string[];
  readonly notChanged: readonly string[];
  /** The findings it was about: their alert's thread is where it is told. */
  readonly fingerprints: readonly string[];
}

export type NotificationKind = Notification['kind'];

export const MAX_LISTED_FAILURES = 20;

/** The finding part of a notification, from a finding and its record (nothing else of the record). */
export function findingRef(f: FindingRef): FindingRef {
  return { ...keyFindingOf(f), fingerprint: f.fingerprint, status: f.status };
}

/** The notice an incomplete scan sends: its first failures, their count, and a signature of the whole set. */
export function scanIncomplete(scanId: string, startedBy: string, failures: readonly ScanFailure[]): Notification {
  const scopes = [...new Set(failures.map((f) => [f.code, f.accountId, f.region ?? '', f.keyId ?? ''].join('/')))];
  return {
    kind: 'scan-incomplete',
    scanId,
    startedBy,
    failures: failures.slice(0, MAX_LISTED_FAILURES),
    failureCount: failures.length,
    signature: stableHash(scopes.sort().join('|')),
  };
}

/** The account a notification is about, when it is about one account's key. */
export function notificationAccount(n: Notification): string | null {
  if ('finding' in n) return n.finding.accountId;
  return 'remediationId' in n ? n.accountId : null;
}

/** The finding a notification is about, when it is about one. */
export function notificationFingerprint(n: Notification): string | null {
  return 'finding' in n ? n.finding.fingerprint : null;
}
