import type { Severity } from '../policy/actions.js';
import type { FindingKind } from '../scan/types.js';

/**
 * What the summary is computed from, as the record returns it: findings counted or listed, and the changes the audit
 * log holds since the trend began. The record does the reading; summarize() does every sum.
 */
export interface SummaryFacts {
  /** Findings not resolved and unchanged since the trend began, counted alike. */
  readonly steady: readonly FindingGroup[];
  /** Findings with a change since the trend began, whatever their status now. */
  readonly changed: readonly ChangedFinding[];
  /** Those changes, in the order they were made. */
  readonly changes: readonly FindingChange[];
  /** The open finding first seen longest ago. */
  readonly oldestOpen: SummaryItemSource | undefined;
  /** Acknowledgements ending in the week ahead, soonest first (at most LISTED). */
  readonly expiring: readonly SummaryItemSource[];
  /** Keys that could not be read (or judged), the longest-standing first (at most LISTED). */
  readonly unreadable: readonly SummaryItemSource[];
}

export type FindingStatus = 'open' | 'acknowledged' | 'resolved';

/** Findings alike in all the summary tells apart: `count` of them. */
export interface FindingGroup {
  readonly accountId: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly kind: FindingKind;
  /** When their acknowledgement ends (null: not acknowledged, or until resolved). */
  readonly ackUntil: string | null;
  readonly count: number;
}

/** A finding as it now stands. */
export interface ChangedFinding {
  readonly fingerprint: string;
  readonly accountId: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly kind: FindingKind;
  readonly ackUntil: string | null;
  readonly firstSeen: string;
}

/** One audit row about a finding (its `subject` is the fingerprint), with what the change replaced. */
export interface FindingChange {
  readonly at: string;
  readonly fingerprint: string;
  readonly action: string;
  readonly before: unknown;
}

/** A finding named in the summary, as the record has it (a stored finding has these fields and more). */
export interface SummaryItemSource {
  readonly fingerprint: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly keyArn: string;
  readonly aliases: readonly string[];
  readonly kind: FindingKind;
  readonly principal: string;
  readonly severity: Severity;
  readonly firstSeen: string;
  readonly ackUntil: string | null;
  readonly ackBy: string | null;
}

/** The audit actions that change a finding's status or severity (what the trend replays). */
export const FINDING_CHANGES = [
  'finding-opened',
  'finding-reopened',
  'finding-escalated',
  'finding-resolved',
  'finding-acknowledged',
  'acknowledgement-expired',
] as const;

/** Kinds that are not an exposure but a key nobody can judge (see keyProblem). */
export const UNREADABLE_KINDS: readonly FindingKind[] = ['unreadable', 'analysis-error'];

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
/** The trend's points: now, and the end of each of the seven weeks before. */
export const TREND_WEEKS = 8;
/** Findings named per list (the rest are counted). */
export const LISTED = 5;
/** Accounts named in "open by account" (the rest are counted). */
export const ACCOUNTS_SHOWN = 10;

/** What the record reads for a summary at `now`: changes since `since`, acknowledgements ending by `weekAhead`. */
export function summaryWindow(now: Date): { since: Date; weekAgo: Date; weekAhead: Date } {
  const t = now.getTime();
  return {
    since: new Date(t - (TREND_WEEKS - 1) * WEEK_MS),
    weekAgo: new Date(t - WEEK_MS),
    weekAhead: new Date(t + WEEK_MS),
  };
}
