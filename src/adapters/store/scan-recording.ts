import { fingerprintOf } from '../../core/findings/fingerprint.js';
import { scanIncomplete } from '../../core/notifications.js';
import { keyProblem } from '../../core/scan/evaluate-key.js';
import type { KeyFinding, KeyNotice, KeySnapshot } from '../../core/scan/types.js';
import type { Coverage, ScanError, ScanSummary } from '../../usecases/scan-types.js';
import type { ScanRecording } from '../../usecases/store-port.js';
import type { FindingLedger } from './finding-ledger.js';
import type { Journal } from './journal.js';
import { type KeyRecords, markUnread } from './key-records.js';
import type { Statements } from './statements.js';

export interface RecordingParts {
  readonly statements: Statements;
  readonly journal: Journal;
  readonly ledger: FindingLedger;
  readonly keys: KeyRecords;
}

/** Cause of resolving what a complete scan of a region no longer saw. */
export const NO_LONGER_SEEN = 'no longer seen in a complete scan of its account and region';

/** One scan being written into the record, inside the caller's transaction. */
export class SqliteScanRecording implements ScanRecording {
  private readonly parts: RecordingParts;
  private readonly scan: ScanSummary;
  private readonly startedBy: string;
  private readonly at: string;
  private readonly actor: string;
  private readonly failures: ScanError[];
  private newFindings = 0;
  private stillOpen = 0;
  private itemsResolved = 0;

  constructor(
    parts: RecordingParts,
    scan: ScanSummary,
    errors: readonly ScanError[],
    coverage: readonly Coverage[],
    startedBy: string,
    now: Date,
  ) {
    this.parts = parts;
    this.scan = scan;
    this.startedBy = startedBy;
    this.at = now.toISOString();
    this.actor = `scan:${scan.id}`;
    this.failures = errors.filter((e) => e.code !== 'KeyVanished');
    const { statements, ledger, keys } = parts;
    ledger.expireAcknowledgements(this.at);
    statements
      .sql(
        `INSERT INTO scans (id, started_by, started_at, finished_at, accounts, regions, keys, customer_managed_keys, api_calls, errors, complete)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        scan.id,
        startedBy,
        scan.startedAt,
        scan.finishedAt,
        scan.accounts,
        scan.regions,
        scan.keys,
        scan.customerManagedKeys,
        scan.apiCalls,
        errors.length,
        scan.complete ? 1 : 0,
      );
    for (const e of errors) this.insertError(e);
    keys.beginSave();
    keys.markCoverage(coverage);
    statements.db.exec('CREATE TEMP TABLE IF NOT EXISTS seen (fingerprint TEXT PRIMARY KEY); DELETE FROM seen;');
    // Every key the scan could not read in full may hide any access: it is an item of its own until it can be read.
    for (const e of errors) {
      if (e.code === 'KeyPolicyUnreadable' && e.keyId !== null && e.region !== null && e.keyArn !== undefined) {
        this.seen(
          keyProblem(
            {
              accountId: e.accountId,
              region: e.region,
              keyId: e.keyId,
              keyArn: e.keyArn,
              aliases: [],
              keyState: 'Unknown',
            },
            'unreadable',
            e.message,
          ),
        );
      }
    }
  }

  saveKeys(keys: readonly KeySnapshot[]): void {
    this.parts.keys.save(keys, this.at);
  }

  seen(finding: KeyFinding): void {
    const fingerprint = fingerprintOf(finding);
    this.parts.statements.sql('INSERT OR IGNORE INTO seen (fingerprint) VALUES (?)').run(fingerprint);
    const outcome = this.parts.ledger.upsert(fingerprint, finding, this.scan.id, this.actor, this.at);
    if (outcome === 'still-open') this.stillOpen++;
    else if (outcome !== 'unchanged') this.newFindings++;
  }

  judged(key: KeySnapshot): void {
    this.resolveItem(key.keyArn, 'analysis-error', 'judged without error');
    if (key.policy !== null) this.resolveItem(key.keyArn, 'unreadable', 'the key policy can be read again');
  }

  unjudged(key: KeySnapshot, error: ScanError): void {
    this.failures.push(error);
    this.insertError(error);
    markUnread(this.parts.statements, key);
    this.seen(keyProblem(key, 'analysis-error', error.message));
  }

  notices(notices: readonly KeyNotice[]): void {
    const insert = this.parts.statements.sql(
      `INSERT INTO scan_notices (scan_id, account_id, region, key_id, source, statement, grant_id, code, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const n of notices) {
      insert.run(this.scan.id, n.accountId, n.region, n.keyId, n.source, n.statement, n.grantId, n.code, n.message);
    }
  }

  finish() {
    const { statements, ledger, keys, journal } = this.parts;
    const resolved =
      this.itemsResolved +
      ledger.resolveWhere(
        `status != 'resolved' AND (account_id, region) IN (SELECT account_id, region FROM covered)
       AND (account_id, region, key_id) NOT IN (SELECT account_id, region, key_id FROM unread)
       AND fingerprint NOT IN (SELECT fingerprint FROM seen)`,
        [],
        NO_LONGER_SEEN,
        this.actor,
        this.at,
      ).length;
    keys.forgetVanished();
    const complete = this.scan.complete && !this.failures.some((e) => e.code === 'AnalysisError');
    const errors = statements.sql<[string], { n: number }>('SELECT count(*) AS n FROM scan_errors WHERE scan_id = ?');
    statements
      .sql('UPDATE scans SET new_findings = ?, still_open = ?, resolved = ?, complete = ?, errors = ? WHERE id = ?')
      .run(
        this.newFindings,
        this.stillOpen,
        resolved,
        complete ? 1 : 0,
        (errors.get(this.scan.id) as { n: number }).n,
        this.scan.id,
      );
    if (!complete) journal.notify(this.at, scanIncomplete(this.scan.id, this.startedBy, this.failures));
    // Notices are kept for the latest scans only: they are what a scan's report shows, not history.
    statements
      .sql('DELETE FROM scan_notices WHERE scan_id NOT IN (SELECT id FROM scans ORDER BY started_at DESC LIMIT 10)')
      .run();
    return { changes: { newFindings: this.newFindings, stillOpen: this.stillOpen, resolved }, complete };
  }

  private resolveItem(keyArn: string, kind: 'unreadable' | 'analysis-error', cause: string): void {
    this.itemsResolved += this.parts.ledger.resolveWhere(
      "status != 'resolved' AND key_arn = ? AND kind = ?",
      [keyArn, kind],
      cause,
      this.actor,
      this.at,
    ).length;
  }

  private insertError(e: ScanError): void {
    this.parts.statements
      .sql(
        'INSERT INTO scan_errors (scan_id, account_id, region, key_id, code, message, key_arn) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(this.scan.id, e.accountId, e.region, e.keyId, e.code, e.message, e.keyArn ?? null);
  }
}
