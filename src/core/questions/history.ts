/** A key's story as the audit log tells it: its findings' lifecycle and its remediations, in plain words. */

/** An audit row, as the record keeps it. */
export interface AuditEntry {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** What happened, in one stable word (JSON) that also reads well (text). */
export type HistoryEvent =
  | 'opened'
  | 'acknowledged'
  | 'acknowledgement-expired'
  | 'escalated'
  | 'resolved'
  | 'reopened'
  | 'remediation-started'
  | 'remediated'
  | 'remediation-failed'
  | 'undo-started'
  | 'undone'
  | 'undo-not-done'
  | 'claim-taken-over'
  | 'refused'
  | 'other';

export interface HistoryEntry {
  readonly at: string;
  readonly actor: string;
  readonly event: HistoryEvent;
  /** The audit log's own name for it. */
  readonly action: string;
  /** The finding it is about (null: the key as a whole, a remediation). */
  readonly fingerprint: string | null;
  /** The remediation it is about, when it is about one. */
  readonly remediation: string | null;
  /** What the row adds: the reason and end of an acknowledgement, the cause of a resolution, a new severity. */
  readonly detail: string | null;
}

const EVENTS: Readonly<Record<string, HistoryEvent>> = {
  'finding-opened': 'opened',
  'finding-acknowledged': 'acknowledged',
  'acknowledgement-expired': 'acknowledgement-expired',
  'finding-escalated': 'escalated',
  'finding-resolved': 'resolved',
  'finding-reopened': 'reopened',
  'remediation-started': 'remediation-started',
  'remediation-applied': 'remediated',
  'remediation-failed': 'remediation-failed',
  'remediation-undoing': 'undo-started',
  'remediation-undone': 'undone',
  'remediation-undo-not-done': 'undo-not-done',
  'remediation-claim-taken-over': 'claim-taken-over',
  refused: 'refused',
};

/** The entries of one key's audit rows (`keyArn` is the subject of the rows about the key as a whole), in order. */
export function historyOf(rows: readonly AuditEntry[], keyArn: string): HistoryEntry[] {
  return rows.map((row) => {
    const event = Object.hasOwn(EVENTS, row.action) ? (EVENTS[row.action] as HistoryEvent) : 'other';
    const after = record(row.after);
    const remediation = typeof after.remediation === 'string' ? after.remediation : null;
    return {
      at: row.at,
      actor: row.actor,
      event,
      action: row.action,
      fingerprint: row.subject === keyArn ? null : row.subject,
      remediation,
      detail: detailOf(event, after, row),
    };
  });
}

function detailOf(event: HistoryEvent, after: Record<string, unknown>, row: AuditEntry): string | null {
  switch (event) {
    case 'acknowledged': {
      const until = typeof after.ackUntil === 'string' ? `until ${after.ackUntil}` : 'until it is resolved';
      return typeof after.ackReason === 'string' ? `${until}: ${after.ackReason}` : until;
    }
    case 'acknowledgement-expired': {
      const before = record(row.before);
      return typeof before.until === 'string' ? `it ended ${before.until}` : null;
    }
    case 'escalated':
      return `now ${String(after.severity)}${after.public === true ? ', public' : ''}`;
    case 'resolved':
      return typeof after.cause === 'string' ? after.cause : null;
    case 'remediation-started':
      return typeof after.reason === 'string' ? after.reason : null;
    case 'refused':
      return typeof after.action === 'string' ? after.action : null;
    default:
      return null;
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
