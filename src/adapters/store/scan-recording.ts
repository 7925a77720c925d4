import { fingerprintOf } from '../../core/findings/fingerprint.js';
import { scanIncomplete } from '../../core/notifications.js';
import { keyProblem } from '../../core/scan/evaluate-key.js';
import type { KeyFinding, KeyNotice, KeySnapshot } from '../../core/scan/types.js';
import type { Coverage, ScanError, ScanSummary } from '../../usecases/scan-types.js';
import type { ScanRecording } from '../../usecases/store-port.js';
import type { FindingLedger } from './finding-ledger.js';
import type { Journal } from './journal.js';
import { type KeyRecords, markUnread } from './key-records.js';
import { WORST_FIRST } from './queries.js';
import { FINDING_COLUMNS } from './rows.js';
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
  /** Account-regions a scan that started later has already recorded: this scan's older reading of them is set aside. */
  private readonly superseded = new Set<string>();
  /** Keys written since this scan started by something other than a scan (a remediation's read-back). */
  private readonly replaced = new Set<string>();
  /** Keys with an open item about the whole key (unreadable, not judged): only these can have one to resolve. */
  private readonly withKeyItems: ReadonlySet<string>;

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
        `INSERT INTO scans (id, started_by, started_at, finished_at, accounts, regions, keys, customer_managed_keys, api_calls, throttled, errors, complete)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        scan.throttled,
        errors.length,
        scan.complete ? 1 : 0,
      );
    this.withKeyItems = new Set(
      statements
        .sql<[], string>(
          "SELECT DISTINCT key_arn FROM findings WHERE status != 'resolved' AND kind IN ('unreadable', 'analysis-error')",
        )
        .pluck()
        .all(),
    );
    this.setAsideOlderReadings(coverage, scan);
    for (const e of errors) this.insertError(e);
    keys.beginSave();
    keys.markCoverage(
      coverage.filter((c) => c.region === null || !this.superseded.has(regionOf(c.accountId, c.region))),
    );
    statements.db.exec('CREATE TEMP TABLE IF NOT EXISTS seen (fingerprint TEXT PRIMARY KEY); DELETE FROM seen;');
    // Every key the scan could not read in full may hide any access: it is an item of its own until it can be read.
    for (const e of errors) {
      if (
        e.code === 'KeyPolicyUnreadable' &&
        e.keyId !== null &&
        e.region !== null &&
        e.keyArn !== undefined &&
        !this.superseded.has(regionOf(e.accountId, e.region)) &&
        !this.replaced.has(e.keyArn)
      ) {
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

  saveKeys(keys: readonly KeySnapshot[]): readonly KeySnapshot[] {
    if (this.superseded.size === 0 && this.replaced.size === 0) {
      this.parts.keys.save(keys, this.at);
      return keys;
    }
    const current = keys.filter(
      (k) => !this.superseded.has(regionOf(k.accountId, k.region)) && !this.replaced.has(k.keyArn),
    );
    // A key set aside keeps what the record holds: nothing about it resolves, and it is not forgotten.
    for (const k of keys) if (!current.includes(k)) markUnread(this.parts.statements, k);
    this.parts.keys.save(current, this.at);
    return current;
  }

  seen(finding: KeyFinding): void {
    const fingerprint = fingerprintOf(finding);
    this.parts.statements.sql('INSERT OR IGNORE INTO seen (fingerprint) VALUES (?)').run(fingerprint);
    const outcome = this.parts.ledger.upsert(fingerprint, finding, this.scan.id, this.actor, this.at);
    if (outcome === 'still-open') this.stillOpen++;
    else if (outcome !== 'unchanged') this.newFindings++;
  }

  judged(key: KeySnapshot): void {
    if (!this.withKeyItems.has(key.keyArn)) return;
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
    const complete =
      this.scan.complete && !this.failures.some((e) => e.code === 'AnalysisError' || e.code === 'Superseded');
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
    // What the scan found, as it landed: its report reads this, so that a scan or a trust change landing after it
    // never changes what it says it found.
    statements
      .sql(
        `INSERT INTO scan_findings (scan_id, finding)
         SELECT ?, json_object(${FINDING_COLUMNS.map((c) => `'${c}', ${c}`).join(', ')}) FROM findings
         WHERE last_scan_id = ? AND status != 'resolved' AND source != 'key' ORDER BY ${WORST_FIRST}`,
      )
      .run(this.scan.id, this.scan.id);
    // Notices and findings are kept for the latest scans only: they are what a scan's report shows, not history.
    const older = 'NOT IN (SELECT id FROM scans ORDER BY started_at DESC LIMIT 10)';
    statements.sql(`DELETE FROM scan_notices WHERE scan_id ${older}`).run();
    statements.sql(`DELETE FROM scan_findings WHERE scan_id ${older}`).run();
    return { changes: { newFindings: this.newFindings, stillOpen: this.stillOpen, resolved }, complete };
  }

  /**
   * Scans can overlap (the bot's schedule and a CLI scan share one record). Where a scan that started later has
   * already landed, its reading is the newer one: this scan's reading of those account-regions, and of keys a
   * remediation rewrote since it started, is set aside (said under errors, so the scan counts as incomplete and its
   * output points to the record), and the rest lands.
   */
  private setAsideOlderReadings(coverage: readonly Coverage[], scan: ScanSummary): void {
    const { statements } = this.parts;
    const newer = statements.sql<[string, string, string], { scan_id: string; read_at: string }>(
      'SELECT scan_id, read_at FROM region_reads WHERE account_id = ? AND region = ? AND read_at > ?',
    );
    const mark = statements.sql(
      `INSERT INTO region_reads (account_id, region, read_at, scan_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, region) DO UPDATE SET read_at = excluded.read_at, scan_id = excluded.scan_id
       WHERE excluded.read_at > region_reads.read_at`,
    );
    const regions = new Map<string, { accountId: string; region: string; read: boolean; from: string }>();
    for (const c of coverage) {
      if (c.region === null) continue;
      const id = regionOf(c.accountId, c.region);
      const read = c.complete || c.listed === true || regions.get(id)?.read === true;
      regions.set(id, { accountId: c.accountId, region: c.region, read, from: c.readFrom ?? scan.startedAt });
    }
    for (const [id, { accountId, region, read, from }] of regions) {
      const later = newer.get(accountId, region, from);
      if (later === undefined) {
        // Only a reading that listed the region's keys is one a later-landing older scan must not overwrite.
        if (read) mark.run(accountId, region, from, scan.id);
        continue;
      }
      this.superseded.add(id);
      this.setAside({
        accountId,
        region,
        keyId: null,
        code: 'Superseded',
        message: `scan ${later.scan_id}, which read this account and region later (from ${later.read_at}), was recorded first; this scan's older reading of it was set aside. "findings" shows the record`,
      });
    }
    // A key counts as read when it was staged (a scan recorded without staging: when the scan started).
    const rewritten = statements.sql<
      [string, string],
      { key_arn: string; account_id: string; region: string; key_id: string; read_source: string | null }
    >(
      `SELECT k.key_arn, k.account_id, k.region, k.key_id, k.read_source FROM keys k
         LEFT JOIN staged_keys s ON s.scan_id = ? AND s.key_arn = k.key_arn
       WHERE k.replaced_at IS NOT NULL AND k.replaced_at > coalesce(s.staged_at, ?)`,
    );
    for (const k of rewritten.all(scan.id, scan.startedAt)) {
      // Only keys of account-regions this scan read can have an older reading in it.
      if (!regions.has(regionOf(k.account_id, k.region)) || this.superseded.has(regionOf(k.account_id, k.region)))
        continue;
      this.replaced.add(k.key_arn);
      // An event had the key read again after this scan read it: that reading is simply the newer one (no error).
      if (k.read_source === 'event') continue;
      this.setAside({
        accountId: k.account_id,
        region: k.region,
        keyId: k.key_id,
        keyArn: k.key_arn,
        code: 'Superseded',
        message: `the key was rewritten (a remediation) after this scan read it; this scan's older reading of it was set aside. "findings" shows the record`,
      });
    }
  }

  private setAside(error: ScanError): void {
    this.failures.push(error);
    this.insertError(error);
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

function regionOf(accountId: string, region: string): string {
  return `${accountId}/${region}`;
}
