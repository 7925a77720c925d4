import { compareSeverity, type Severity } from '../../core/policy/actions.js';
import type { KeyFinding } from '../../core/scan/types.js';
import type { StoredFinding } from '../../usecases/store-port.js';
import type { Journal } from './journal.js';
import { type FindingRow, findingColumns, findingFromRow, findingSummary } from './rows.js';
import type { Statements } from './statements.js';

/** The findings' lifecycle: opened, refreshed, escalated, reopened, resolved, acknowledgements expired. */
export class FindingLedger {
  private readonly statements: Statements;
  private readonly journal: Journal;

  constructor(statements: Statements, journal: Journal) {
    this.statements = statements;
    this.journal = journal;
  }

  statusOf(fingerprint: string): StoredFinding['status'] | undefined {
    return this.statements
      .sql<[string], { status: StoredFinding['status'] }>('SELECT status FROM findings WHERE fingerprint = ?')
      .get(fingerprint)?.status;
  }

  /** Inserts a new finding, reopens a resolved one (keeping its history), or refreshes one still open. */
  upsert(
    fingerprint: string,
    finding: KeyFinding,
    scanId: string | null,
    actor: string,
    at: string,
    seenByScan = true,
  ): 'new' | 'reopened' | 'still-open' | 'unchanged' {
    const columns = findingColumns(finding);
    const existing = this.statements
      .sql<[string], { status: StoredFinding['status']; severity: Severity; public: number }>(
        'SELECT status, severity, public FROM findings WHERE fingerprint = ?',
      )
      .get(fingerprint);
    const status = existing?.status;
    if (existing === undefined) {
      this.statements
        .sql(
          `INSERT INTO findings (fingerprint, account_id, region, key_id, key_arn, source, statement, grant_id, principal, account, actions, severity, public, reason, detail, aliases, key_state, status, first_seen, last_seen, times_seen, last_scan_id)
           VALUES (@fingerprint, @account_id, @region, @key_id, @key_arn, @source, @statement, @grant_id, @principal, @account, @actions, @severity, @public, @reason, @detail, @aliases, @key_state, 'open', @at, @at, @times, @scan)`,
        )
        .run({ ...columns, fingerprint, at, times: seenByScan ? 1 : 0, scan: scanId });
      const summary = findingSummary({ ...finding, fingerprint, status: 'open' });
      this.journal.audit(at, actor, 'finding-opened', fingerprint, null, { status: 'open' });
      this.journal.notify(at, 'finding-opened', fingerprint, finding.accountId, summary);
      return 'new';
    }
    const seen = seenByScan ? ', last_seen = @at, times_seen = times_seen + 1, last_scan_id = @scan' : '';
    if (status === 'resolved') {
      this.statements
        .sql(
          `UPDATE findings SET status = 'open', resolved_at = NULL, resolved_cause = NULL, ack_by = NULL, ack_reason = NULL, ack_until = NULL,
             actions = @actions, severity = @severity, public = @public, reason = @reason, detail = @detail, aliases = @aliases, key_state = @key_state${seen}
           WHERE fingerprint = @fingerprint`,
        )
        .run({ ...columns, fingerprint, at, scan: scanId });
      this.journal.audit(at, actor, 'finding-reopened', fingerprint, { status: 'resolved' }, { status: 'open' });
      this.journal.notify(
        at,
        'finding-reopened',
        fingerprint,
        finding.accountId,
        findingSummary({ ...finding, fingerprint, status: 'open' }),
      );
      return 'reopened';
    }
    if (!seenByScan) return 'unchanged';
    this.statements
      .sql(
        `UPDATE findings SET actions = @actions, severity = @severity, public = @public, reason = @reason, detail = @detail,
           aliases = @aliases, key_state = @key_state${seen} WHERE fingerprint = @fingerprint`,
      )
      .run({ ...columns, fingerprint, at, scan: scanId });
    if (compareSeverity(finding.severity, existing.severity) < 0 || (finding.public && existing.public === 0)) {
      this.escalate(fingerprint, finding, existing, actor, at);
    }
    return 'still-open';
  }

  /**
   * The same exposure grew worse (a higher severity, or now public): that is news even when the finding was
   * acknowledged, and an acknowledgement given for the lesser exposure ends.
   */
  private escalate(
    fingerprint: string,
    finding: KeyFinding,
    before: { status: StoredFinding['status']; severity: Severity; public: number },
    actor: string,
    at: string,
  ): void {
    if (before.status === 'acknowledged') {
      this.statements
        .sql(
          "UPDATE findings SET status = 'open', ack_by = NULL, ack_reason = NULL, ack_until = NULL WHERE fingerprint = ?",
        )
        .run(fingerprint);
    }
    const after = { status: 'open', severity: finding.severity, public: finding.public };
    this.journal.audit(
      at,
      actor,
      'finding-escalated',
      fingerprint,
      { status: before.status, severity: before.severity, public: before.public === 1 },
      after,
    );
    this.journal.notify(
      at,
      'finding-escalated',
      fingerprint,
      finding.accountId,
      findingSummary({ ...finding, fingerprint, status: 'open' }),
    );
  }

  /** Resolves every finding the condition selects, with one audit row and one notification each. */
  resolveWhere(condition: string, params: unknown[], cause: string, actor: string, at: string): number {
    this.statements
      .sql(
        `INSERT INTO audit (at, actor, action, subject, before, after)
         SELECT ?, ?, 'finding-resolved', fingerprint, json_object('status', status), json_object('status', 'resolved', 'cause', ?)
         FROM findings WHERE ${condition}`,
      )
      .run(at, actor, cause, ...params);
    this.statements
      .sql(
        `INSERT INTO outbox (created_at, kind, fingerprint, account_id, payload)
         SELECT ?, 'finding-resolved', fingerprint, account_id,
           json_object('fingerprint', fingerprint, 'status', 'resolved', 'cause', ?, 'accountId', account_id, 'region', region,
             'keyId', key_id, 'keyArn', key_arn, 'aliases', json(aliases), 'source', source, 'statement', statement,
             'grantId', grant_id, 'principal', principal, 'account', account, 'actions', json(actions),
             'severity', severity, 'public', json(CASE public WHEN 1 THEN 'true' ELSE 'false' END), 'reason', reason)
         FROM findings WHERE ${condition}`,
      )
      .run(at, cause, ...params);
    return this.statements
      .sql(`UPDATE findings SET status = 'resolved', resolved_at = ?, resolved_cause = ? WHERE ${condition}`)
      .run(at, cause, ...params).changes;
  }

  /** Acknowledgements with an end date come back as open once it has passed. */
  expireAcknowledgements(at: string): void {
    const expired = this.statements
      .sql<[string], { fingerprint: string; ack_until: string }>(
        "SELECT fingerprint, ack_until FROM findings WHERE status = 'acknowledged' AND ack_until IS NOT NULL AND julianday(ack_until) <= julianday(?)",
      )
      .all(at);
    for (const { fingerprint, ack_until } of expired) {
      this.statements.sql("UPDATE findings SET status = 'open' WHERE fingerprint = ?").run(fingerprint);
      this.journal.audit(
        at,
        'system',
        'acknowledgement-expired',
        fingerprint,
        { status: 'acknowledged', until: ack_until },
        { status: 'open' },
      );
      const row = this.statements
        .sql<[string], FindingRow>('SELECT * FROM findings WHERE fingerprint = ?')
        .get(fingerprint) as FindingRow;
      const f = findingFromRow(row);
      this.journal.notify(at, 'finding-reopened', fingerprint, f.accountId, findingSummary(f));
    }
  }
}
