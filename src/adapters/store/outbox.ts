import { SentinelError } from '../../core/errors.js';
import type { Notification, NotificationKind } from '../../core/notifications.js';
import { SEVERITY_ORDER, type Severity } from '../../core/policy/actions.js';
import { movedTarget, splitTarget } from '../../usecases/delivery-target.js';
import type {
  BatchExtent,
  DeliveryMove,
  DeliveryOutcome,
  DeliveryPause,
  DeliveryTarget,
  DigestClaim,
  DigestSummary,
  OutboxFilter,
  OutboxRecord,
  OutboxState,
  RetriedNotification,
  WaitingDelivery,
} from '../../usecases/store-port.js';
import { type FindingRow, findingFromRow } from './rows.js';
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
  delivery_id: string | null;
  delivery_target: string | null;
}

interface PauseRow {
  scope: DeliveryPause['scope'];
  channel: string;
  reason: string;
  since: string;
  checks: number;
  next_check_at: string;
}

/**
 * Rows not stamped with a delivery to one of the channels in the JSON array bound here (paused channels): those wait
 * for their channel, and never take the place of rows that can go now.
 */
const NOT_HELD = `(delivery_target IS NULL OR json_extract(delivery_target, '$.channel') NOT IN (SELECT value FROM json_each(?)))`;

/**
 * The notifications of a BatchExtent (bound with extentParams): waiting, in no delivery yet, new findings (opened, or
 * opened again or worse with no alert to reply in) of its scan (or of its trust change's moment), in its channel's
 * accounts, of its key when it names one.
 */
const IN_EXTENT = `state = 'pending' AND delivery_id IS NULL
  AND (kind = 'finding-opened' OR (kind IN ('finding-reopened', 'finding-escalated')
       AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.fingerprint = outbox.fingerprint)))
  AND CASE WHEN @scan IS NULL THEN json_extract(payload, '$.scanId') IS NULL AND created_at = @at
           ELSE json_extract(payload, '$.scanId') = @scan END
  AND CASE WHEN @only IS NULL THEN coalesce(account_id, '') NOT IN (SELECT value FROM json_each(@except))
           ELSE account_id IN (SELECT value FROM json_each(@only)) END
  AND (@key IS NULL OR json_extract(payload, '$.finding.keyArn') = @key)`;

interface ExtentParams {
  scan: string | null;
  at: string | null;
  only: string | null;
  except: string;
  key: string | null;
}

function extentParams(extent: BatchExtent): ExtentParams {
  const { accounts } = extent;
  return {
    scan: extent.scanId,
    at: extent.createdAt,
    only: 'only' in accounts ? JSON.stringify(accounts.only) : null,
    except: JSON.stringify('except' in accounts ? accounts.except : []),
    key: extent.keyArn ?? null,
  };
}

const SEVERITY_RANK = `CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;
/** The keys a digest lists in full. */
const WORST_KEYS = 10;

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
      digest: this.digestOf(deliveryId),
    };
  }

  /** The unresolved findings a delivery's notifications name, summed up (see DigestSummary). */
  private digestOf(deliveryId: string): DigestSummary {
    const carried = `SELECT * FROM findings WHERE status != 'resolved'
      AND fingerprint IN (SELECT fingerprint FROM outbox WHERE delivery_id = ? AND fingerprint IS NOT NULL)`;
    const keysByAccount = this.statements
      .sql<[string], { account_id: string; keys: number }>(
        `WITH f AS (${carried}) SELECT account_id, count(DISTINCT key_arn) AS keys FROM f GROUP BY account_id ORDER BY account_id`,
      )
      .all(deliveryId);
    const counts = this.statements
      .sql<[string], { account_id: string; severity: Severity; n: number }>(
        `WITH f AS (${carried}) SELECT account_id, severity, count(*) AS n FROM f GROUP BY account_id, severity`,
      )
      .all(deliveryId);
    const worstKeys = this.statements
      .sql<[string], string>(
        `WITH f AS (${carried}) SELECT key_arn FROM f GROUP BY key_arn
         ORDER BY min(${SEVERITY_RANK}), count(*) DESC, key_arn LIMIT ${WORST_KEYS}`,
      )
      .pluck()
      .all(deliveryId);
    const ofKey = this.statements.sql<[string, string], FindingRow>(
      `WITH f AS (${carried}) SELECT * FROM f WHERE key_arn = ? ORDER BY ${SEVERITY_RANK}, fingerprint`,
    );
    const severities = (rows: readonly { severity: Severity; n: number }[]) =>
      SEVERITY_ORDER.map((severity) => ({
        severity,
        findings: rows.filter((r) => r.severity === severity).reduce((sum, r) => sum + r.n, 0),
      })).filter((c) => c.findings > 0);
    return {
      keys: keysByAccount.reduce((sum, a) => sum + a.keys, 0),
      severities: severities(counts),
      accounts: keysByAccount.map((a) => ({
        accountId: a.account_id,
        keys: a.keys,
        severities: severities(counts.filter((c) => c.account_id === a.account_id)),
      })),
      worst: worstKeys.map((keyArn) => ({
        keyArn,
        findings: ofKey.all(deliveryId, keyArn).map(findingFromRow),
      })),
    };
  }

  batchKeys(extent: BatchExtent): number {
    return this.statements
      .sql<ExtentParams, number>(
        `SELECT count(DISTINCT json_extract(payload, '$.finding.keyArn')) FROM outbox WHERE ${IN_EXTENT}`,
      )
      .pluck()
      .get(extentParams({ scanId: extent.scanId, createdAt: extent.createdAt, accounts: extent.accounts })) as number;
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

  requeueInDoubt(note: string): number {
    return this.statements
      .sql("UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_at = NULL WHERE state = 'sending'")
      .run(note.slice(0, 2000)).changes;
  }

  pauses(): DeliveryPause[] {
    return this.statements
      .sql<[], PauseRow>("SELECT * FROM delivery_pauses ORDER BY scope = 'channel', channel")
      .all()
      .map((r) => ({
        scope: r.scope,
        channel: r.channel,
        reason: r.reason,
        since: r.since,
        checks: r.checks,
        nextCheckAt: r.next_check_at,
      }));
  }

  pause(p: DeliveryPause): void {
    this.statements
      .sql(
        `INSERT INTO delivery_pauses (scope, channel, reason, since, checks, next_check_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, channel) DO UPDATE SET reason = excluded.reason, since = excluded.since,
           checks = excluded.checks, next_check_at = excluded.next_check_at`,
      )
      .run(p.scope, p.channel, p.reason, p.since, p.checks, p.nextCheckAt);
  }

  resume(scope: DeliveryPause['scope'], channel: string): void {
    this.statements.sql('DELETE FROM delivery_pauses WHERE scope = ? AND channel = ?').run(scope, channel);
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
    this.dropOldDelivered(now);
  }

  private dropOldDelivered(now: Date): void {
    const before = new Date(now.getTime() - KEEP_DELIVERED_MS).toISOString();
    this.statements.sql("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?").run(before);
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
    deliveryId: row.delivery_id,
    deliveryTarget: row.delivery_target === null ? null : (JSON.parse(row.delivery_target) as DeliveryTarget),
  };
}
