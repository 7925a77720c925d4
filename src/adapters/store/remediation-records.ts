import { createHash } from 'node:crypto';
import type { RemediationRecord, RemediationStart, RemediationStatus } from '../../usecases/store-port.js';
import type { Journal } from './journal.js';
import type { Statements } from './statements.js';

export interface RemediationRow {
  id: string;
  key_arn: string;
  account_id: string;
  region: string;
  key_id: string;
  actor: string;
  reason: string;
  started_at: string;
  finished_at: string | null;
  status: RemediationRecord['status'];
  backup_policy: string;
  backup_hash: string;
  written_policy: string | null;
  plan: string;
  revoked: string;
  outcome: string | null;
  undo_actor: string | null;
  undo_started_at: string | null;
  undo_policy: string | null;
}

/** Remediations: each a backup of the policy as read, what was written and revoked, and how it ended. */
export class RemediationRecords {
  private readonly statements: Statements;
  private readonly journal: Journal;

  constructor(statements: Statements, journal: Journal) {
    this.statements = statements;
    this.journal = journal;
  }

  start(r: RemediationStart, at: string): void {
    this.statements
      .sql(
        `INSERT INTO remediations (id, key_arn, account_id, region, key_id, actor, reason, started_at, status, backup_policy, backup_hash, written_policy, plan)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'applying', ?, ?, ?, ?)`,
      )
      .run(
        r.id,
        r.keyArn,
        r.accountId,
        r.region,
        r.keyId,
        r.actor,
        r.reason,
        at,
        r.backupPolicy,
        r.backupHash,
        r.writtenPolicy,
        JSON.stringify(r.plan),
      );
    this.journal.audit(at, r.actor, 'remediation-started', r.keyArn, null, {
      remediation: r.id,
      backupHash: r.backupHash,
      reason: r.reason,
    });
  }

  /** Records how the remediation ended, if it is in one of the states `from`; false, changing nothing, if not. */
  finish(
    id: string,
    status: 'applied' | 'failed' | 'undone',
    from: readonly RemediationStatus[],
    outcome: unknown,
    revoked: readonly string[] | undefined,
    actor: string,
    at: string,
  ): boolean {
    const before = this.get(id);
    if (before === undefined || from.length === 0) return false;
    const changed = this.statements
      .sql(
        `UPDATE remediations SET status = ?, finished_at = ?, outcome = ?${revoked === undefined ? '' : ', revoked = ?'}
         WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
      )
      .run(
        ...([
          status,
          at,
          JSON.stringify(outcome),
          ...(revoked === undefined ? [] : [JSON.stringify(revoked)]),
          id,
          ...from,
        ] as unknown[]),
      ).changes;
    if (changed !== 1) return false;
    this.journal.audit(
      at,
      actor,
      `remediation-${status}`,
      before.keyArn,
      { status: before.status },
      { remediation: id, status, outcome },
    );
    return true;
  }

  /** The remediation becomes `undoing`, saying who and what the undo is about to write; audited. */
  startUndo(id: string, policy: string, actor: string, at: string): void {
    const before = this.get(id);
    const changed = this.statements
      .sql(
        `UPDATE remediations SET status = 'undoing', undo_actor = ?, undo_started_at = ?, undo_policy = ?
         WHERE id = ? AND status = 'applied'`,
      )
      .run(actor, at, policy, id).changes;
    if (before === undefined || changed !== 1) {
      throw new Error(`remediation ${id} is ${before?.status ?? 'unknown'}: only an applied one can be undone`);
    }
    this.journal.audit(
      at,
      actor,
      'remediation-undoing',
      before.keyArn,
      { status: before.status },
      { remediation: id, writes: createHash('sha256').update(policy).digest('hex') },
    );
  }

  /** An undo that did not happen: `applied` again, audited with why; false, changing nothing, unless it is `undoing`. */
  cancelUndo(id: string, outcome: unknown, actor: string, at: string): boolean {
    const before = this.get(id);
    if (before === undefined) return false;
    const changed = this.statements
      .sql(
        `UPDATE remediations SET status = 'applied', undo_actor = NULL, undo_started_at = NULL, undo_policy = NULL
         WHERE id = ? AND status = 'undoing'`,
      )
      .run(id).changes;
    if (changed !== 1) return false;
    this.journal.audit(
      at,
      actor,
      'remediation-undo-not-done',
      before.keyArn,
      { status: before.status, undo: before.undo },
      { remediation: id, status: 'applied', outcome },
    );
    return true;
  }

  get(id: string): RemediationRecord | undefined {
    const row = this.statements.sql<[string], RemediationRow>('SELECT * FROM remediations WHERE id = ?').get(id);
    return row === undefined ? undefined : recordOf(row);
  }

  list(limit: number): RemediationRecord[] {
    return this.statements
      .sql<[number], RemediationRow>('SELECT * FROM remediations ORDER BY started_at DESC, id LIMIT ?')
      .all(limit)
      .map(recordOf);
  }
}

export function recordOf(row: RemediationRow): RemediationRecord {
  return {
    id: row.id,
    keyArn: row.key_arn,
    accountId: row.account_id,
    region: row.region,
    keyId: row.key_id,
    actor: row.actor,
    reason: row.reason,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    backupPolicy: row.backup_policy,
    backupHash: row.backup_hash,
    writtenPolicy: row.written_policy,
    plan: JSON.parse(row.plan) as RemediationRecord['plan'],
    revoked: JSON.parse(row.revoked) as string[],
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as unknown),
    undo:
      row.undo_actor === null
        ? null
        : { actor: row.undo_actor, startedAt: row.undo_started_at ?? '', policy: row.undo_policy ?? '' },
  };
}
