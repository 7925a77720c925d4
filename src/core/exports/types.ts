import type { KeyFinding } from '../scan/types.js';

/** A finding as the record keeps it: what the scan saw, and its life since (the record's StoredFinding is one). */
export interface RecordedFinding extends KeyFinding {
  readonly fingerprint: string;
  readonly status: 'open' | 'acknowledged' | 'resolved';
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly timesSeen: number;
  readonly ackBy: string | null;
  readonly ackReason: string | null;
  readonly ackUntil: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedCause: string | null;
}
