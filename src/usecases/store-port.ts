import type { KeyFinding, KeySnapshot } from '../core/scan/types.js';
import type { TrustEntry } from '../core/trust.js';
import type { ScanResult } from './run-scan.js';

export type FindingStatus = 'open' | 'acknowledged' | 'resolved';

export type TrustAddition = 'added' | 'present' | 'adopted';

export interface TrustRecord {
  readonly entry: string;
  readonly kind: TrustEntry['kind'];
  readonly note: string | null;
  readonly addedBy: string;
  readonly addedAt: string;
}

export interface StoredFinding extends KeyFinding {
  readonly fingerprint: string;
  readonly status: FindingStatus;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly timesSeen: number;
  readonly ackBy: string | null;
  readonly ackReason: string | null;
  readonly ackUntil: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedCause: string | null;
}

export interface ScanRecord {
  readonly id: string;
  readonly startedBy: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly accounts: number;
  readonly regions: number;
  readonly keys: number;
  readonly customerManagedKeys: number;
  readonly apiCalls: number;
  readonly errors: number;
  readonly complete: boolean;
  readonly newFindings: number;
  readonly stillOpen: number;
  readonly resolved: number;
}

export interface AuditRecord {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface OutboxRecord {
  readonly id: number;
  readonly createdAt: string;
  readonly kind: string;
  readonly fingerprint: string | null;
  readonly accountId: string | null;
  readonly payload: unknown;
}

export interface FindingChanges {
  readonly newFindings: number;
  readonly stillOpen: number;
  readonly resolved: number;
}

export interface FindingFilter {
  readonly status: FindingStatus | 'all';
  readonly accountId: string | undefined;
}

/** The durable record. Every method that changes state writes its audit rows and outbox rows in the same transaction. */
export interface Store {
  /** Runs `work` in one transaction: all of it lands, or none. */
  transaction<T>(work: () => T): T;

  listTrust(): TrustRecord[];
  /**
   * Adds an entry: `added`; `present` when it was already there (nothing changes); `adopted` when it was there only
   * as a member of the organization (trustMembers): it is now the actor's, and stays when the account leaves.
   */
  addTrust(entry: TrustEntry, note: string | null, actor: string, now: Date): TrustAddition;
  /** Removes an entry; false when it was not there. */
  removeTrust(entry: TrustEntry, actor: string, now: Date): boolean;
  /** Adds the config file's entries never imported before (each is imported once); returns those added. */
  importConfigTrust(entries: readonly TrustEntry[], now: Date): TrustEntry[];
  /** Makes the entries added by organization.trustMembers exactly these; returns how many changed. */
  syncOrganizationTrust(entries: readonly TrustEntry[], now: Date): number;
  /** Fails now, before any AWS work, when the database cannot be written. */
  assertWritable(): void;

  /** Records a finished scan: the scan, its errors, the keys as read, and every finding's new status. */
  recordScan(result: ScanResult, startedBy: string, now: Date): FindingChanges;
  /** The keys as last read, one at a time (the table may be large). */
  storedKeys(): Iterable<KeySnapshot>;
  /** Brings one key's findings in line with a fresh judgement of its stored policy and grants. */
  applyEvaluation(
    key: KeySnapshot,
    findings: readonly KeyFinding[],
    cause: string,
    actor: string,
    now: Date,
  ): FindingChanges;

  findings(filter: FindingFilter, now: Date): StoredFinding[];
  finding(fingerprint: string): StoredFinding | undefined;
  acknowledge(fingerprint: string, actor: string, reason: string, until: Date | null, now: Date): StoredFinding;

  scans(limit: number): ScanRecord[];
  audit(limit: number): AuditRecord[];
  outbox(limit: number): OutboxRecord[];
  /** Removes a delivered notification. */
  delivered(id: number): void;

  close(): void;
}
