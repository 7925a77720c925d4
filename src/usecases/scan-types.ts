import type { KeyFinding, KeyNotice, KeySnapshot } from '../core/scan/types.js';
import type { TrustEntry } from '../core/trust.js';
import type { ScanError } from './scan-errors.js';

export type { ScanError, ScanErrorCode } from './scan-errors.js';

/** Whether one account (region null) or one account-region was read in full. */
export interface Coverage {
  readonly accountId: string;
  readonly region: string | null;
  readonly complete: boolean;
  /**
   * The region's keys were listed even though it is incomplete: only the keys in `keysUnread` are unknown, so
   * every other key of the region was judged in full.
   */
  readonly listed?: boolean;
  readonly keysUnread?: readonly string[];
  /** When the scan began reading the account-region: a scan landing later with an older reading must not win. */
  readonly readFrom?: string;
}

export interface ScanSummary {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly accounts: number;
  readonly regions: number;
  readonly keys: number;
  readonly customerManagedKeys: number;
  readonly apiCalls: number;
  /** Requests AWS throttled (they were retried; they are counted in apiCalls). */
  readonly throttled: number;
  readonly complete: boolean;
}

export interface ScanProgress {
  readonly regionsDone: number;
  readonly regionsTotal: number;
  readonly keys: number;
}

/**
 * What a scan learnt beside its keys, which went to its sink as they were read. Small: its size depends on the
 * number of account-regions and failures, not of keys.
 */
export interface ScanOutcome {
  readonly scan: ScanSummary;
  readonly errors: readonly ScanError[];
  readonly coverage: readonly Coverage[];
  readonly accountNames: ReadonlyMap<string, string>;
  /**
   * With organization.trustMembers: the entries the organization made trusted (its accounts and its ID), so that
   * the record can keep them; null when not asked for or when the organization could not be listed.
   */
  readonly organizationTrust: readonly string[] | null;
}

/** Where a scan's keys go as they are read: staged in the record, or judged on the spot for a dry look. */
export interface ScanSink {
  /** Called once the accounts are known, with the trust list the scan's own judgement uses (the plan's and the organization's). */
  begin(trusted: readonly TrustEntry[]): void;
  /** Takes keys as read; the scan waits for it, so that no more keys are held than the sink can take. */
  keys(batch: readonly KeySnapshot[]): Promise<void>;
}

/** A finding as a scan reports it. */
export type ReportedFinding = KeyFinding;

/** A finished scan as front ends show it. The lists may be long: they are read once, in order, worst first. */
export interface ScanReport {
  readonly scan: ScanSummary;
  readonly accountNames: ReadonlyMap<string, string>;
  readonly findings: () => Iterable<ReportedFinding>;
  readonly errors: () => Iterable<ScanError>;
  readonly notices: () => Iterable<KeyNotice>;
  /** What the record made of it; undefined for a scan that was not recorded. */
  readonly record: FindingChanges | undefined;
}

export interface FindingChanges {
  readonly newFindings: number;
  readonly stillOpen: number;
  readonly resolved: number;
}

/**
 * A whole scan with its keys and their findings, as the record's own primitives take it in one piece (tests, and
 * tools that build a scan in memory). Real scans reach the record in stages instead.
 */
export interface RecordableScan {
  readonly scan: ScanSummary;
  readonly findings: readonly KeyFinding[];
  readonly errors: readonly ScanError[];
  readonly keys: readonly KeySnapshot[];
  readonly coverage: readonly Coverage[];
}
