import type { RecordedFinding } from '../../core/exports/types.js';
import type { Severity } from '../../core/policy/actions.js';
import type { AuditEntry } from '../../core/questions/history.js';
import type { TrustEntry } from '../../core/trust.js';
import type { ScanSummary } from '../scan-types.js';

export type FindingStatus = 'open' | 'acknowledged' | 'resolved';

export type TrustAddition = 'added' | 'present' | 'adopted';

export interface TrustRecord {
  readonly entry: string;
  readonly kind: TrustEntry['kind'];
  readonly note: string | null;
  readonly addedBy: string;
  readonly addedAt: string;
}

/** A finding as the record keeps it (the core's RecordedFinding, which the exports render). */
export type StoredFinding = RecordedFinding & { readonly status: FindingStatus };

/** A scan as the record keeps it: its summary, who started it, and what it changed. */
export interface ScanRecord extends ScanSummary {
  readonly startedBy: string;
  readonly errors: number;
  readonly newFindings: number;
  readonly stillOpen: number;
  readonly resolved: number;
}

/** An audit row as the record keeps it: the core's AuditEntry, and its place in the log. */
export interface AuditRecord extends AuditEntry {
  readonly id: number;
}

export interface FindingFilter {
  readonly status: FindingStatus | 'all';
  readonly accountId: string | undefined;
  /** At most this many, the worst first (absent: every one). */
  readonly limit?: number;
}

/** How many findings a filter matches, by severity and by account (the most first), counted by the record. */
export interface FindingCounts {
  readonly total: number;
  readonly bySeverity: ReadonlyMap<Severity, number>;
  readonly byAccount: readonly { readonly accountId: string; readonly count: number }[];
}
