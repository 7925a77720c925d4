import type {
  BatchExtent,
  DeliveryTarget,
  OutboxFilter,
  OutboxRecord,
  WaitingDelivery,
} from '../../usecases/store-port.js';
import { type ExtentParams, extentParams, IN_EXTENT } from './batch-extent.js';
import { type OutboxRow, recordOf } from './outbox-rows.js';
import type { Statements } from './statements.js';

/**
 * Rows not stamped with a delivery to one of the channels in the JSON array bound here (paused channels): those wait
 * for their channel, and never take the place of rows that can go now.
 */
const NOT_HELD = `(delivery_target IS NULL OR json_extract(delivery_target, '$.channel') NOT IN (SELECT value FROM json_each(?)))`;

/**
 * The outbox as a delivery queue, read. A notifier claims due rows (`sending`, one more attempt; see DeliveryClaims),
 * then settles them delivered or failed (again later, or for good; see DeliverySettlement). A row left `sending`
 * means its notifier died mid-delivery: the message may or may not have gone out, so it is handed back as in doubt
 * rather than sent again blindly.
 */
export class Outbox {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  undelivered(limit: number, filter: OutboxFilter = {}): OutboxRecord[] {
    const states = filter.failed === true ? "state = 'failed'" : "state != 'delivered'";
    const rows = this.statements
      .sql<[number], OutboxRow>(
        `SELECT * FROM outbox WHERE ${states} ORDER BY id ${filter.latest === true ? 'DESC' : ''} LIMIT ?`,
      )
      .all(limit);
    if (filter.latest === true) rows.reverse();
    return rows.map(recordOf);
  }

  due(now: Date, limit: number, held: readonly string[] = []): OutboxRecord[] {
    return this.statements
      .sql<[string, string, number], OutboxRow>(
        `SELECT * FROM outbox WHERE state = 'pending' AND (next_attempt_at IS NULL OR julianday(next_attempt_at) <= julianday(?))
           AND ${NOT_HELD}
         ORDER BY id LIMIT ?`,
      )
      .all(now.toISOString(), JSON.stringify(held), limit)
      .map(recordOf);
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

  nextDue(after?: Date, held: readonly string[] = []): string | null {
    if (after !== undefined) {
      return (
        this.statements
          .sql<[string, string], string | null>(
            `SELECT min(coalesce(next_attempt_at, created_at)) FROM outbox
             WHERE state = 'pending' AND julianday(coalesce(next_attempt_at, created_at)) > julianday(?) AND ${NOT_HELD}`,
          )
          .pluck()
          .get(after.toISOString(), JSON.stringify(held)) ?? null
      );
    }
    return (
      this.statements
        .sql<[string], string | null>(
          `SELECT min(coalesce(next_attempt_at, created_at)) FROM outbox WHERE state = 'pending' AND ${NOT_HELD}`,
        )
        .pluck()
        .get(JSON.stringify(held)) ?? null
    );
  }

  inDoubt(): OutboxRecord[] {
    return this.statements
      .sql<[], OutboxRow>("SELECT * FROM outbox WHERE state = 'sending' ORDER BY id")
      .all()
      .map(recordOf);
  }

  batchKeys(extent: BatchExtent): number {
    return this.statements
      .sql<ExtentParams, number>(
        `SELECT count(DISTINCT json_extract(payload, '$.finding.keyArn')) FROM outbox WHERE ${IN_EXTENT}`,
      )
      .pluck()
      .get(extentParams({ scanId: extent.scanId, createdAt: extent.createdAt, accounts: extent.accounts })) as number;
  }

  waitsFor(channel: string): boolean {
    return (
      this.statements
        .sql<[string, string], number>(
          `SELECT EXISTS (SELECT 1 FROM outbox WHERE state IN ('pending', 'sending') AND delivery_id IS NOT NULL
                            AND json_extract(delivery_target, '$.channel') = ?)
               OR EXISTS (SELECT 1 FROM outbox o JOIN alerts a ON a.fingerprint = o.fingerprint
                          WHERE o.state = 'pending' AND o.delivery_id IS NULL AND o.kind != 'finding-opened'
                            AND a.channel = ?)`,
        )
        .pluck()
        .get(channel, channel) === 1
    );
  }

  waitingDeliveries(): WaitingDelivery[] {
    return this.statements
      .sql<[], { delivery_id: string; delivery_target: string; accounts: string; attempts: number }>(
        `SELECT d.delivery_id, o.delivery_target, d.accounts, d.attempts
         FROM (SELECT delivery_id, min(id) AS first, max(attempts) AS attempts,
                 json_group_array(DISTINCT account_id) FILTER (WHERE account_id IS NOT NULL) AS accounts
               FROM outbox WHERE state IN ('pending', 'failed') AND delivery_id IS NOT NULL GROUP BY delivery_id) d
         JOIN outbox o ON o.id = d.first
         WHERE o.delivery_target IS NOT NULL`,
      )
      .all()
      .map((r) => ({
        deliveryId: r.delivery_id,
        target: JSON.parse(r.delivery_target) as DeliveryTarget,
        accounts: (JSON.parse(r.accounts) as string[]).sort(),
        attempts: r.attempts,
      }));
  }

  rateLimitedChannels(now: Date): { channel: string; until: string }[] {
    return this.statements
      .sql<[string], { channel: string; until: string }>(
        `SELECT json_extract(delivery_target, '$.channel') AS channel, max(next_attempt_at) AS until FROM outbox
         WHERE state = 'pending' AND last_error IN ('ratelimited', 'rate_limited') AND delivery_target IS NOT NULL
           AND julianday(next_attempt_at) > julianday(?)
         GROUP BY channel`,
      )
      .all(now.toISOString())
      .filter((r) => typeof r.channel === 'string');
  }
}
