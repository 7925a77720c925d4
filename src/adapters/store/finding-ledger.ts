import { fingerprintOf } from '../../core/findings/fingerprint.js';
import { findingRef } from '../../core/notifications.js';
import { compareSeverity, type Severity } from '../../core/policy/actions.js';
import type { KeyFinding, KeySnapshot } from '../../core/scan/types.js';
import type { StoredFinding } from '../../usecases/store-port.js';
import type { Journal } from './journal.js';
import { type FindingRow, findingColumns, findingFromRow } from './rows.js';
import type { Statements } from './statements.js';

export type UpsertOutcome = 'new' | 'reopened' | 'still-open' | 'unchanged';

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

  row(fingerprint: string): StoredFinding | undefined {
    const row = this.statements
      .sql<[string], FindingRow>('SELECT * FROM findings WHERE fingerprint = ?')
      .get(fingerprint);
    return row === undefined ? undefined : findingFromRow(row);
  }

  /** Inserts a new finding, reopens a resolved one (keeping its history), or refreshes one still open. */
  upsert(
    fingerprint: string,
    finding: KeyFinding,
    scanId: string | null,
    actor: string,
    at: string,
    seenByScan = true,
  ): UpsertOutcome {
    const columns = findingColumns(finding);
    const existing = this.statements
      .sql<[string], { status: StoredFinding['status']; severity: Severity; public: number }>(
        'SELECT status, severity, public FROM findings WHERE fingerprint = ?',
      )
      .get(fingerprint);
    const ref = findingRef({ ...finding, fingerprint, status: 'open' });
    if (existing === undefined) {
      this.statements
        .sql(
          `INSERT INTO findings (fingerprint, kind, account_id, region, key_id, key_arn, source, statement, grant_id, principal, account, actions, severity, public, reason, detail, aliases, key_state, stack, status, first_seen, last_seen, times_seen, last_scan_id)
           VALUES (@fingerprint, @kind, @account_id, @region, @key_id, @key_arn, @source, @statement, @grant_id, @principal, @account, @actions, @severity, @public, @reason, @detail, @aliases, @key_state, @stack, 'open', @at, @at, @times, @scan)`,
        )
        .run({ ...columns, fingerprint, at, times: seenByScan ? 1 : 0, scan: scanId });
      this.journal.audit(at, actor, 'finding-opened', fingerprint, null, { status: 'open' });
      this.journal.notify(at, { kind: 'finding-opened', finding: ref, scanId });
      return 'new';
    }
    const seen = seenByScan ? ', last_seen = @at, times_seen = times_seen + 1, last_scan_id = @scan' : '';
    // A reading that knows no stack (its tags were not read, or could not be) keeps the one the finding names.
    const refreshed =
      'kind = @kind, actions = @actions, severity = @severity, public = @public, reason = @reason, detail = @detail, aliases = @aliases, key_state = @key_state, stack = COALESCE(@stack, stack)';
    if (existing.status === 'resolved') {
      this.statements
        .sql(
          `UPDATE findings SET status = 'open', resolved_at = NULL, resolved_cause = NULL, ack_by = NULL, ack_reason = NULL, ack_until = NULL,
             ${refreshed}${seen} WHERE fingerprint = @fingerprint`,
        )
        .run({ ...columns, fingerprint, at, scan: scanId });
      this.journal.audit(at, actor, 'finding-reopened', fingerprint, { status: 'resolved' }, { status: 'open' });
      this.journal.notify(at, { kind: 'finding-reopened', finding: ref, scanId });
      return 'reopened';
    }
    if (!seenByScan) return 'unchanged';
    this.statements
      .sql(`UPDATE findings SET ${refreshed}${seen} WHERE fingerprint = @fingerprint`)
      .run({ ...columns, fingerprint, at, scan: scanId });
    if (compareSeverity(finding.severity, existing.severity) < 0 || (finding.public && existing.public === 0)) {
      this.escalate(fingerprint, finding, existing, scanId, actor, at);
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
    scanId: string | null,
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
    this.journal.notify(at, {
      kind: 'finding-escalated',
      finding: findingRef({ ...finding, fingerprint, status: 'open' }),
      scanId,
    });
  }

  /**
   * Brings one key's findings in line with a fresh judgement of it: new ones open, resolved ones reopen, and those
   * the judgement no longer gives resolve. What was never read of the key (policy or grants) was not judged, so its
   * findings stand; items about the key as a whole (source `key`) are never touched here.
   */
  applyEvaluation(key: KeySnapshot, findings: readonly KeyFinding[], cause: string, actor: string, at: string) {
    const none = { newFindings: 0, stillOpen: 0, resolved: 0, resolvedFingerprints: [], reopenedFingerprints: [] };
    const anyOpen = this.statements.sql("SELECT 1 FROM findings WHERE key_arn = ? AND status != 'resolved' LIMIT 1");
    if (findings.length === 0 && anyOpen.get(key.keyArn) === undefined) return none;
    const fingerprints = findings.map(fingerprintOf);
    const reopenedFingerprints: string[] = [];
    let stillOpen = 0;
    findings.forEach((finding, i) => {
      const fingerprint = fingerprints[i] as string;
      const existing = this.statusOf(fingerprint);
      if (existing === undefined || existing === 'resolved') {
        this.upsert(fingerprint, finding, null, actor, at, false);
        reopenedFingerprints.push(fingerprint);
      } else {
        stillOpen++;
      }
    });
    const newFindings = reopenedFingerprints.length;
    const judged = [key.policy !== null ? "'policy'" : null, key.grants !== null ? "'grant'" : null].filter(Boolean);
    if (judged.length === 0) return { ...none, newFindings, stillOpen, reopenedFingerprints };
    const unseen = fingerprints.length > 0 ? ` AND fingerprint NOT IN (${fingerprints.map(() => '?').join(', ')})` : '';
    const resolvedFingerprints = this.resolveWhere(
      `status != 'resolved' AND key_arn = ? AND source IN (${judged.join(', ')})${unseen}`,
      [key.keyArn, ...fingerprints],
      cause,
      actor,
      at,
    );
    return {
      newFindings,
      stillOpen,
      resolved: resolvedFingerprints.length,
      resolvedFingerprints,
      reopenedFingerprints,
    };
  }

  /**
   * Resolves every finding the condition selects, with one audit row and one notification each; returns their
   * fingerprints.
   */
  resolveWhere(condition: string, params: unknown[], cause: string, actor: string, at: string): string[] {
    const rows = this.statements
      .sql<unknown[], FindingRow>(`SELECT * FROM findings WHERE ${condition} ORDER BY fingerprint`)
      .all(...params);
    const update = this.statements.sql(
      "UPDATE findings SET status = 'resolved', resolved_at = ?, resolved_cause = ? WHERE fingerprint = ?",
    );
    for (const row of rows) {
      update.run(at, cause, row.fingerprint);
      this.journal.audit(
        at,
        actor,
        'finding-resolved',
        row.fingerprint,
        { status: row.status },
        { status: 'resolved', cause },
      );
      const finding = findingFromRow({ ...row, status: 'resolved' });
      this.journal.notify(at, { kind: 'finding-resolved', finding: findingRef(finding), cause, by: actor });
    }
    return rows.map((r) => r.fingerprint);
  }

  /** Acknowledgements with an end date come back as open once it has passed. */
  expireAcknowledgements(at: string): void {
    const expired = this.statements
      .sql<[string], FindingRow>(
        "SELECT * FROM findings WHERE status = 'acknowledged' AND ack_until IS NOT NULL AND julianday(ack_until) <= julianday(?)",
      )
      .all(at);
    for (const row of expired) {
      this.statements.sql("UPDATE findings SET status = 'open' WHERE fingerprint = ?").run(row.fingerprint);
      const until = row.ack_until as string;
      this.journal.audit(
        at,
        'system',
        'acknowledgement-expired',
        row.fingerprint,
        { status: 'acknowledged', until },
        { status: 'open' },
      );
      const finding = findingFromRow({ ...row, status: 'open' });
      this.journal.notify(at, { kind: 'acknowledgement-expired', finding: findingRef(finding), until });
    }
  }
}
