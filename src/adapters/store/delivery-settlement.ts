import { SentinelError } from '../../core/errors.js';
import type { DeliveryOutcome, OutboxRecord, RetriedNotification } from '../../usecases/store-port.js';
import { type OutboxRow, recordOf } from './outbox-rows.js';
import type { Statements } from './statements.js';

/** Delivered notifications are kept this long (a notifier may look up where it posted), then dropped. */
const KEEP_DELIVERED_MS = 90 * 24 * 3600 * 1000;

/** How deliveries end: delivered, failed (again later, or for good) or held; in doubt and requeued; retried. */
export class DeliverySettlement {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  settleDelivery(deliveryId: string, outcome: DeliveryOutcome): number {
    switch (outcome.state) {
      case 'delivered': {
        const changed = this.statements
          .sql(
            `UPDATE outbox SET state = 'delivered', delivered_at = ?, receipt = ?, last_error = NULL, next_attempt_at = NULL
             WHERE delivery_id = ? AND state IN ('pending', 'sending')`,
          )
          .run(
            outcome.at.toISOString(),
            outcome.receipt === undefined || outcome.receipt === null ? null : JSON.stringify(outcome.receipt),
            deliveryId,
          ).changes;
        this.dropOldDelivered(outcome.at);
        return changed;
      }
      case 'failed':
        return this.statements
          .sql(
            `UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE delivery_id = ? AND state = 'sending'`,
          )
          .run(
            outcome.retryAt === null ? 'failed' : 'pending',
            outcome.error.slice(0, 2000),
            outcome.retryAt?.toISOString() ?? null,
            deliveryId,
          ).changes;
      case 'held':
        return this.statements
          .sql(
            `UPDATE outbox SET state = 'pending', attempts = max(0, attempts - 1), last_error = ?, next_attempt_at = NULL
             WHERE delivery_id = ? AND state = 'sending'`,
          )
          .run(outcome.error.slice(0, 2000), deliveryId).changes;
    }
  }

  requeueInDoubt(note: string): number {
    return this.statements
      .sql("UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = NULL WHERE state = 'sending'")
      .run(note.slice(0, 2000)).changes;
  }

  /**
   * Failed notifications back to pending, each with the failed rest of its delivery (its message goes out whole).
   * One attempt stays counted, so that the message is looked for in Slack before it is sent again.
   */
  retry(ids: readonly number[] | 'failed'): { before: OutboxRecord; retried: RetriedNotification }[] {
    let rows: OutboxRow[];
    if (ids === 'failed') {
      rows = this.statements.sql<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'failed' ORDER BY id").all();
    } else {
      // Set-based, however many IDs are named: each ID read once, each delivery's failed rest read once.
      const named = this.statements
        .sql<[string], OutboxRow>('SELECT * FROM outbox WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id')
        .all(JSON.stringify([...new Set(ids)]));
      const found = new Map(named.map((row) => [row.id, row]));
      for (const id of ids) {
        const row = found.get(id);
        if (row === undefined) throw new SentinelError('not-found', `no notification has the ID ${id}`);
        if (row.state !== 'failed') {
          const what = row.state === 'delivered' ? 'was delivered' : `is ${row.state}, waiting to be sent`;
          throw new SentinelError('usage', `notification ${id} ${what}; only failed notifications are retried`);
        }
      }
      const deliveries = [...new Set(named.map((row) => row.delivery_id).filter((d) => d !== null))];
      const along = this.statements
        .sql<[string], OutboxRow>(
          "SELECT * FROM outbox WHERE delivery_id IN (SELECT value FROM json_each(?)) AND state = 'failed'",
        )
        .all(JSON.stringify(deliveries));
      const all = new Map<number, OutboxRow>(named.map((row) => [row.id, row]));
      for (const row of along) all.set(row.id, row);
      rows = [...all.values()].sort((a, b) => a.id - b.id);
    }
    this.statements
      .sql(
        `UPDATE outbox SET state = 'pending', attempts = min(attempts, 1), next_attempt_at = NULL
         WHERE id IN (SELECT value FROM json_each(?)) AND state = 'failed'`,
      )
      .run(JSON.stringify(rows.map((row) => row.id)));
    return rows.map((row) => ({
      before: recordOf(row),
      retried: { id: row.id, kind: row.kind, deliveryId: row.delivery_id, lastError: row.last_error },
    }));
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
    this.dropOldDelivered(now);
  }

  private dropOldDelivered(now: Date): void {
    const before = new Date(now.getTime() - KEEP_DELIVERED_MS).toISOString();
    this.statements.sql("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?").run(before);
  }
}
