import { movedTarget, splitTarget } from '../../usecases/delivery-target.js';
import type {
  BatchExtent,
  DeliveryMove,
  DeliveryTarget,
  DigestClaim,
  OutboxRecord,
} from '../../usecases/store-port.js';
import { type ExtentParams, extentParams, IN_EXTENT } from './batch-extent.js';
import { digestOf } from './digest-summary.js';
import { type OutboxRow, recordOf } from './outbox-rows.js';
import type { Statements } from './statements.js';

/** Notifications handed to a notifier as one delivery, or stamped with a delivery that waits, or moved to another. */
export class DeliveryClaims {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  claimIds(ids: readonly number[]): OutboxRecord[] {
    const take = this.statements.sql<[number], OutboxRow>(
      "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'pending' RETURNING *",
    );
    return ids.flatMap((id) => take.all(id).map(recordOf));
  }

  claimDelivery(
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): OutboxRecord[] {
    const json = this.targetOf(deliveryId, target);
    const stamped = this.statements
      .sql<[string, string], OutboxRow>(
        `UPDATE outbox SET state = 'sending', attempts = attempts + 1, delivery_target = ?
         WHERE delivery_id = ? AND state = 'pending' RETURNING *`,
      )
      .all(json, deliveryId);
    const take = this.statements.sql<[string, string, number], OutboxRow>(
      `UPDATE outbox SET state = 'sending', attempts = attempts + 1, delivery_id = ?, delivery_target = ?
       WHERE id = ? AND state = 'pending' AND delivery_id IS NULL RETURNING *`,
    );
    const fresh = ids.flatMap((id) => take.all(deliveryId, json, id));
    const rest =
      extent === undefined
        ? []
        : this.statements
            .sql<ExtentParams & { id: string; target: string }, OutboxRow>(
              `UPDATE outbox SET state = 'sending', attempts = attempts + 1, delivery_id = @id, delivery_target = @target
               WHERE ${IN_EXTENT} RETURNING *`,
            )
            .all({ ...extentParams(extent), id: deliveryId, target: json });
    return [...stamped, ...fresh, ...rest].sort((a, b) => a.id - b.id).map(recordOf);
  }

  /**
   * A digest claimed in SQL alone: its notifications are counted and what its message shows is summed up from the
   * findings they name, so that one of any size is never held in memory.
   */
  claimDigest(ids: readonly number[], deliveryId: string, target: DeliveryTarget, extent?: BatchExtent): DigestClaim {
    const json = this.targetOf(deliveryId, target);
    this.statements
      .sql(
        `UPDATE outbox SET state = 'sending', attempts = attempts + 1, delivery_target = ?
         WHERE delivery_id = ? AND state = 'pending'`,
      )
      .run(json, deliveryId);
    const take = this.statements.sql(
      `UPDATE outbox SET state = 'sending', attempts = attempts + 1, delivery_id = ?, delivery_target = ?
       WHERE id = ? AND state = 'pending' AND delivery_id IS NULL`,
    );
    for (const id of ids) take.run(deliveryId, json, id);
    if (extent !== undefined) {
      this.statements
        .sql<ExtentParams & { id: string; target: string }>(
          `UPDATE outbox SET state = 'sending', attempts = attempts + 1, delivery_id = @id, delivery_target = @target
           WHERE ${IN_EXTENT}`,
        )
        .run({ ...extentParams(extent), id: deliveryId, target: json });
    }
    const claimed = this.statements
      .sql<[string], { n: number; attempts: number | null; first: string | null }>(
        `SELECT count(*) AS n, max(attempts) AS attempts, min(created_at) AS first FROM outbox
         WHERE delivery_id = ? AND state = 'sending'`,
      )
      .get(deliveryId);
    const triedIds = this.statements
      .sql<[string], number>(
        `SELECT id FROM outbox WHERE delivery_id = ? AND state = 'sending' AND attempts > 1 ORDER BY id LIMIT 200`,
      )
      .pluck()
      .all(deliveryId);
    return {
      notifications: claimed?.n ?? 0,
      attempts: claimed?.attempts ?? 0,
      firstCreatedAt: claimed?.first ?? '',
      triedIds,
      target: JSON.parse(json) as DeliveryTarget,
      digest: digestOf(this.statements, deliveryId),
    };
  }

  park(ids: readonly number[], deliveryId: string, target: DeliveryTarget, extent?: BatchExtent): number {
    const json = this.targetOf(deliveryId, target);
    let changed = this.statements
      .sql(
        `UPDATE outbox SET delivery_target = ? WHERE delivery_id = ? AND state = 'pending'
           AND delivery_target IS NOT ?`,
      )
      .run(json, deliveryId, json).changes;
    const stamp = this.statements.sql(
      "UPDATE outbox SET delivery_id = ?, delivery_target = ? WHERE id = ? AND state = 'pending' AND delivery_id IS NULL",
    );
    for (const id of ids) changed += stamp.run(deliveryId, json, id).changes;
    if (extent !== undefined) {
      changed += this.statements
        .sql<ExtentParams & { id: string; target: string }>(
          `UPDATE outbox SET delivery_id = @id, delivery_target = @target WHERE ${IN_EXTENT}`,
        )
        .run({ ...extentParams(extent), id: deliveryId, target: json }).changes;
    }
    return changed;
  }

  retarget(moves: readonly DeliveryMove[]): number {
    const read = this.statements.sql<[string], { delivery_target: string; attempts: number }>(
      `SELECT delivery_target, max(attempts) AS attempts FROM outbox
       WHERE delivery_id = ? AND state IN ('pending', 'failed') AND delivery_target IS NOT NULL`,
    );
    const write = this.statements.sql(
      "UPDATE outbox SET delivery_target = ? WHERE delivery_id = ? AND state IN ('pending', 'failed')",
    );
    const split = this.statements.sql<{ part: string; target: string; id: string; accounts: string }>(
      `UPDATE outbox SET delivery_id = @part, delivery_target = @target
       WHERE delivery_id = @id AND state IN ('pending', 'failed')
         AND account_id IN (SELECT value FROM json_each(@accounts))`,
    );
    // Only a delivery never tried: a message of it cannot have gone out, so its notifications are free to plan again.
    const replan = this.statements.sql<{ id: string }>(
      `UPDATE outbox SET delivery_id = NULL, delivery_target = NULL
       WHERE delivery_id = @id AND state = 'pending'
         AND NOT EXISTS (SELECT 1 FROM outbox WHERE delivery_id = @id AND attempts > 0)`,
    );
    let moved = 0;
    for (const move of moves) {
      if ('replan' in move) {
        moved += replan.run({ id: move.deliveryId }).changes;
        continue;
      }
      const stored = read.get(move.deliveryId);
      if (stored?.delivery_target == null) continue;
      const before = JSON.parse(stored.delivery_target) as DeliveryTarget;
      const tried = stored.attempts > 0;
      if ('part' in move) {
        const target = splitTarget(before, move.deliveryId, move.target, tried);
        moved += split.run({
          part: move.part.deliveryId,
          target: JSON.stringify(target),
          id: move.deliveryId,
          accounts: JSON.stringify(move.part.accounts),
        }).changes;
        continue;
      }
      moved += write.run(JSON.stringify(movedTarget(before, move.target, tried)), move.deliveryId).changes;
    }
    return moved;
  }

  /**
   * The target to stamp on a delivery's notifications: `target`, or, for one stamped before, `target` with where it
   * was tried kept on record, to be looked in before it is sent (see movedTarget).
   */
  private targetOf(deliveryId: string, target: DeliveryTarget): string {
    const stored = this.statements
      .sql<[string], { delivery_target: string | null; attempts: number | null }>(
        `SELECT delivery_target, max(attempts) AS attempts FROM outbox WHERE delivery_id = ? AND state = 'pending'`,
      )
      .get(deliveryId);
    if (stored?.delivery_target == null) return JSON.stringify(target);
    const before = JSON.parse(stored.delivery_target) as DeliveryTarget;
    return JSON.stringify(movedTarget(before, target, (stored.attempts ?? 0) > 0));
  }
}
