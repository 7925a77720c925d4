import type { Notification, NotificationKind } from '../../core/notifications.js';
import type { OutboxRecord, OutboxState } from '../../usecases/store-port.js';
import type { Statements } from './statements.js';

interface OutboxRow {
  id: number;
  created_at: string;
  kind: NotificationKind;
  fingerprint: string | null;
  account_id: string | null;
  payload: string;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  receipt: string | null;
}

/** Delivered notifications are kept this long (a notifier may look up where it posted), then dropped. */
const KEEP_DELIVERED_MS = 90 * 24 * 3600 * 1000;

/**
 * The outbox as a delivery queue. A notifier claims due rows (`sending`, one more attempt), then marks each delivered
 * or failed (again later, or for good). A row left `sending` means its notifier died mid-delivery: the message may
 * or may not have gone out, so it is handed back as in doubt rather than sent again blindly.
 */
export class Outbox {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  undelivered(limit: number): OutboxRecord[] {
    return this.statements
      .sql<[number], OutboxRow>("SELECT * FROM outbox WHERE state != 'delivered' ORDER BY id LIMIT ?")
      .all(limit)
      .map(recordOf);
  }

  claim(now: Date, limit: number): OutboxRecord[] {
    const at = now.toISOString();
    const due = this.statements
      .sql<[string, number], OutboxRow>(
        `SELECT * FROM outbox WHERE state = 'pending' AND (next_attempt_at IS NULL OR julianday(next_attempt_at) <= julianday(?))
         ORDER BY id LIMIT ?`,
      )
      .all(at, limit);
    const take = this.statements.sql("UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?");
    for (const row of due) take.run(row.id);
    return due.map((row) => recordOf({ ...row, state: 'sending', attempts: row.attempts + 1 }));
  }

  due(now: Date, limit: number): OutboxRecord[] {
    return this.statements
      .sql<[string, number], OutboxRow>(
        `SELECT * FROM outbox WHERE state = 'pending' AND (next_attempt_at IS NULL OR julianday(next_attempt_at) <= julianday(?))
         ORDER BY id LIMIT ?`,
      )
      .all(now.toISOString(), limit)
      .map(recordOf);
  }

  claimIds(ids: readonly number[]): OutboxRecord[] {
    const take = this.statements.sql<[number], OutboxRow>(
      "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'pending' RETURNING *",
    );
    return ids.flatMap((id) => take.all(id).map(recordOf));
  }

  counts(): { pending: number; sending: number; failed: number } {
    const rows = this.statements
      .sql<[], { state: string; n: number }>(
        "SELECT state, count(*) AS n FROM outbox WHERE state != 'delivered' GROUP BY state",
      )
      .all();
    const of = (state: string) => rows.find((r) => r.state === state)?.n ?? 0;
    return { pending: of('pending'), sending: of('sending'), failed: of('failed') };
  }

  nextDue(): string | null {
    return (
      this.statements
        .sql<[], string | null>("SELECT min(coalesce(next_attempt_at, created_at)) FROM outbox WHERE state = 'pending'")
        .pluck()
        .get() ?? null
    );
  }

  inDoubt(): OutboxRecord[] {
    return this.statements
      .sql<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'sending' ORDER BY id")
      .all()
      .map(recordOf);
  }

  /**
   * Only a message still waiting or being sent can become delivered; one already delivered keeps its first receipt,
   * and one failed for good stays failed.
   */
  delivered(id: number, receipt: unknown, now: Date): void {
    const at = now.toISOString();
    this.statements
      .sql(
        `UPDATE outbox SET state = 'delivered', delivered_at = ?, receipt = ?, last_error = NULL, next_attempt_at = NULL
         WHERE id = ? AND state IN ('pending', 'sending')`,
      )
      .run(at, receipt === undefined || receipt === null ? null : JSON.stringify(receipt), id);
    const before = new Date(now.getTime() - KEEP_DELIVERED_MS).toISOString();
    this.statements.sql("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?").run(before);
  }

  /**
   * Only a message being sent can fail: a delivered one must never go back to the queue (it would be posted twice),
   * and a pending one has not been tried.
   */
  failed(id: number, error: string, retryAt: Date | null): void {
    this.statements
      .sql(`UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE id = ? AND state = 'sending'`)
      .run(retryAt === null ? 'failed' : 'pending', error.slice(0, 2000), retryAt?.toISOString() ?? null, id);
  }
}

function recordOf(row: OutboxRow): OutboxRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    kind: row.kind,
    fingerprint: row.fingerprint,
    accountId: row.account_id,
    notification: JSON.parse(row.payload) as Notification,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    receipt: row.receipt === null ? null : JSON.parse(row.receipt),
  };
}
