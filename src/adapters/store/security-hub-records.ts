import type { HubFailure, HubPending, HubPushOutcome, HubRecordState } from '../../usecases/store-port.js';
import { EFFECTIVE_STATUS } from './queries.js';
import { type FindingRow, findingFromRow } from './rows.js';
import type { Statements } from './statements.js';

/**
 * A finding's state as Security Hub shows it: every column its ASFF is made from, but when it was last seen (which
 * changes at every scan; Security Hub learns it with the next change). Its status is as of `@now`: an
 * acknowledgement whose end has passed is open.
 */
const STATE = `json_array(${EFFECTIVE_STATUS}, f.severity, f.kind, f.actions, f.public, f.account, f.aliases,
  f.key_state, f.reason, f.detail, f.stack, f.ack_by, f.ack_reason, f.ack_until, f.resolved_at, f.resolved_cause)`;

type StoredStatus = FindingRow['status'];
type PendingRow = FindingRow & {
  effective_status: StoredStatus;
  hub_state: string;
  pushed_at: string | null;
  /** The status Security Hub last accepted (null: it never accepted one). */
  held_status: StoredStatus | null;
  generation: number | null;
  retire_from: number | null;
};

/** At most this many earlier generations are archived with one push (a BatchImportFindings takes 100 findings). */
const MAX_RETIRE = 99;

/** What the push to Security Hub recorded of each finding (table security_hub_findings, migrations 15 and 17). */
export class SecurityHubRecords {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  /**
   * The findings Security Hub does not hold as they now are, by fingerprint after `after`: those never accepted
   * unless resolved (nothing to archive), those whose state changed since, and those with an earlier generation
   * still to archive. A failed push stays pending.
   */
  pending(now: Date, limit: number, after: string): HubPending[] {
    return this.statements
      .sql<[Record<string, string | number>], PendingRow>(
        `SELECT f.*, ${EFFECTIVE_STATUS} AS effective_status, ${STATE} AS hub_state, h.pushed_at AS pushed_at,
           json_extract(h.state, '$[0]') AS held_status, h.generation AS generation, h.retire_from AS retire_from
         FROM findings f LEFT JOIN security_hub_findings h ON h.fingerprint = f.fingerprint
         WHERE f.fingerprint > @after
           AND ((h.state IS NULL AND ${EFFECTIVE_STATUS} != 'resolved') OR (h.state IS NOT NULL AND h.state != ${STATE})
             OR h.retire_from IS NOT NULL)
         ORDER BY f.fingerprint LIMIT @limit`,
      )
      .all({ now: now.toISOString(), after, limit })
      .map((row) => ({
        finding: findingFromRow({ ...row, status: row.effective_status }),
        state: row.hub_state,
        pushedAt: row.pushed_at,
        ...generations(row),
      }));
  }

  record(outcome: HubPushOutcome): void {
    // A process that read the record before another moved the finding to a later generation records nothing over it.
    const accepted = this.statements.sql(
      `INSERT INTO security_hub_findings (fingerprint, state, pushed_at, generation, retire_from) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET state = excluded.state, pushed_at = excluded.pushed_at,
         generation = excluded.generation, retire_from = excluded.retire_from,
         failed_state = NULL, failed_at = NULL, failed_code = NULL, failed_message = NULL
       WHERE excluded.generation >= security_hub_findings.generation`,
    );
    for (const a of outcome.accepted) accepted.run(a.fingerprint, a.state, a.pushedAt, a.generation, a.retireFrom);
    const failed = this.statements.sql(
      `INSERT INTO security_hub_findings (fingerprint, failed_state, failed_at, failed_code, failed_message)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET failed_state = excluded.failed_state, failed_at = excluded.failed_at,
         failed_code = excluded.failed_code, failed_message = excluded.failed_message`,
    );
    for (const f of outcome.failed) failed.run(f.fingerprint, f.state, outcome.at, f.code, f.message);
  }

  state(limit: number): HubRecordState {
    const counts = this.statements
      .sql<[], { pushed: number; failed: number; last: string | null }>(
        `SELECT count(state) AS pushed, count(failed_at) AS failed, max(pushed_at) AS last FROM security_hub_findings`,
      )
      .get() ?? { pushed: 0, failed: 0, last: null };
    const latestFailures = this.statements
      .sql<[number], HubFailure>(
        `SELECT h.fingerprint, f.key_arn AS keyArn, h.failed_at AS failedAt, h.failed_code AS code,
           h.failed_message AS message
         FROM security_hub_findings h LEFT JOIN findings f ON f.fingerprint = h.fingerprint
         WHERE h.failed_at IS NOT NULL ORDER BY h.failed_at DESC, h.fingerprint LIMIT ?`,
      )
      .all(limit);
    return { pushed: counts.pushed, lastPushAt: counts.last, failed: counts.failed, latestFailures };
  }
}

/**
 * Which Security Hub finding this version goes to, and which earlier ones to archive. Security Hub takes a workflow
 * from its provider only when it creates a finding, and sets an archived finding that becomes active back to NEW
 * only from NOTIFIED or RESOLVED: a finding it held acknowledged (created SUPPRESSED, or suppressed there since) or
 * resolved that is open again goes to a new Security Hub finding, created NEW, and one held acknowledged is
 * archived (one held resolved is archived already).
 */
function generations(row: PendingRow): Pick<HubPending, 'generation' | 'retire'> {
  const held = row.generation ?? 0;
  const again =
    row.effective_status === 'open' && (row.held_status === 'acknowledged' || row.held_status === 'resolved');
  const generation = again ? held + 1 : held;
  const from = row.retire_from ?? (again && row.held_status === 'acknowledged' ? held : null);
  const retire: number[] = [];
  if (from !== null) for (let g = Math.max(from, generation - MAX_RETIRE); g < generation; g++) retire.push(g);
  return { generation, retire };
}
