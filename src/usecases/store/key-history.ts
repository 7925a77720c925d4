import type { AuditRecord, StoredFinding } from './records.js';
import type { RemediationRecord } from './remediation-records.js';

/** What the record holds about one key beside its reading: its findings, their audit trail, its remediations. */
export interface KeyHistory {
  /**
   * When the key was last read: the latest scan that read its account and region, or a later read of the key alone
   * (for an event, after a remediation); null when the record holds no reading of it.
   */
  readonly readAt: string | null;
  /** Every finding of the key, whatever its status, worst first (an acknowledgement whose end has passed: open). */
  readonly findings: readonly StoredFinding[];
  /** The latest audit rows about the key or its findings (at most the limit asked for), oldest first. */
  readonly audit: readonly AuditRecord[];
  /** How many audit rows there are about the key in all. */
  readonly auditTotal: number;
  /** The key's remediations, oldest first. */
  readonly remediations: readonly RemediationRecord[];
}
