import type Database from 'better-sqlite3';
import { SentinelError } from '../../core/errors.js';
import { fingerprintOf } from '../../core/findings/fingerprint.js';
import type { KeyFinding, KeySnapshot } from '../../core/scan/types.js';
import { canonicalTrustText, parseTrustEntry, type TrustEntry } from '../../core/trust.js';

/** Who trust entries made by organization.trustMembers are recorded as. */
const ORGANIZATION = 'organization';

import type { ScanResult } from '../../usecases/run-scan.js';
import type {
  AuditRecord,
  FindingChanges,
  FindingFilter,
  OutboxRecord,
  ScanRecord,
  Store,
  StoredFinding,
  TrustAddition,
  TrustRecord,
} from '../../usecases/store-port.js';
import { FindingLedger } from './finding-ledger.js';
import { Journal } from './journal.js';
import { KeyRecords } from './key-records.js';
import { type OpenMode, openDatabase, withStoreErrors } from './open-database.js';
import { type FindingRow, findingFromRow } from './rows.js';
import { Statements } from './statements.js';

/** The SQLite store: the only code that imports better-sqlite3. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly path: string;
  private readonly statements: Statements;
  private readonly journal: Journal;
  private readonly keys: KeyRecords;
  private readonly ledger: FindingLedger;

  constructor(path: string, mode: OpenMode = 'create') {
    this.path = path;
    this.db = openDatabase(path, mode);
    this.statements = new Statements(this.db);
    this.journal = new Journal(this.statements);
    this.keys = new KeyRecords(this.statements, (work) => this.guard(work));
    this.ledger = new FindingLedger(this.statements, this.journal);
  }

  transaction<T>(work: () => T): T {
    return this.guard(() => this.db.transaction(work).immediate());
  }

  // --- trust list

  listTrust(): TrustRecord[] {
    return this.guard(() =>
      this.sql<
        [],
        { entry: string; kind: TrustRecord['kind']; note: string | null; added_by: string; added_at: string }
      >('SELECT entry, kind, note, added_by, added_at FROM trust ORDER BY added_at, entry')
        .all()
        .map((r) => ({ entry: r.entry, kind: r.kind, note: r.note, addedBy: r.added_by, addedAt: r.added_at })),
    );
  }

  addTrust(entry: TrustEntry, note: string | null, actor: string, now: Date): TrustAddition {
    return this.transaction(() => {
      const at = now.toISOString();
      this.ledger.expireAcknowledgements(at);
      const text = canonicalTrustText(entry);
      const { changes } = this.sql(
        'INSERT OR IGNORE INTO trust (entry, kind, note, added_by, added_at) VALUES (?, ?, ?, ?, ?)',
      ).run(text, entry.kind, note, actor, at);
      if (changes > 0) {
        this.journal.audit(at, actor, 'trust-added', text, null, { kind: entry.kind, note });
        return 'added';
      }
      const before = this.sql<[string], { added_by: string; note: string | null }>(
        'SELECT added_by, note FROM trust WHERE entry = ?',
      ).get(text);
      if (before?.added_by !== ORGANIZATION || actor === ORGANIZATION) return 'present';
      this.sql('UPDATE trust SET added_by = ?, added_at = ?, note = ? WHERE entry = ?').run(actor, at, note, text);
      this.journal.audit(
        at,
        actor,
        'trust-adopted',
        text,
        { addedBy: ORGANIZATION, note: before.note },
        { addedBy: actor, note },
      );
      return 'adopted';
    });
  }

  removeTrust(entry: TrustEntry, actor: string, now: Date): boolean {
    return this.transaction(() => {
      this.ledger.expireAcknowledgements(now.toISOString());
      const text = canonicalTrustText(entry);
      const before = this.sql('SELECT entry, kind, note, added_by, added_at FROM trust WHERE entry = ?').get(text);
      if (before === undefined) return false;
      this.sql('DELETE FROM trust WHERE entry = ?').run(text);
      this.journal.audit(now.toISOString(), actor, 'trust-removed', text, before, null);
      return true;
    });
  }

  importConfigTrust(entries: readonly TrustEntry[], now: Date): TrustEntry[] {
    return this.transaction(() => {
      const record = this.sql('INSERT OR IGNORE INTO config_trust_imports (entry, imported_at) VALUES (?, ?)');
      return entries.filter((entry) => {
        if (record.run(canonicalTrustText(entry), now.toISOString()).changes === 0) return false;
        return this.addTrust(entry, 'imported from the config file', 'config', now) !== 'present';
      });
    });
  }

  syncOrganizationTrust(entries: readonly TrustEntry[], now: Date): number {
    return this.transaction(() => {
      const wanted = new Set(entries.map(canonicalTrustText));
      let changed = 0;
      for (const record of this.listTrust()) {
        if (record.addedBy === ORGANIZATION && !wanted.has(record.entry)) {
          this.removeTrust(parseTrustEntry(record.entry), ORGANIZATION, now);
          changed++;
        }
      }
      for (const entry of entries)
        if (this.addTrust(entry, 'a member of the organization', ORGANIZATION, now) === 'added') changed++;
      return changed;
    });
  }

  /** Rewrites the schema version with its own value: a real write, refused at once by a read-only file. */
  assertWritable(): void {
    this.transaction(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      this.db.pragma(`user_version = ${version}`);
    });
  }

  // --- scans and findings

  /** The keys as last read, page by page (the caller may write between pages). */
  storedKeys(): Iterable<KeySnapshot> {
    return this.keys.all();
  }

  recordScan(result: ScanResult, startedBy: string, now: Date): FindingChanges {
    return this.transaction(() => {
      const at = now.toISOString();
      const { scan } = result;
      this.ledger.expireAcknowledgements(at);
      this.sql(
        `INSERT INTO scans (id, started_by, started_at, finished_at, accounts, regions, keys, customer_managed_keys, api_calls, errors, complete)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        scan.id,
        startedBy,
        scan.startedAt,
        scan.finishedAt,
        scan.accounts,
        scan.regions,
        scan.keys,
        scan.customerManagedKeys,
        scan.apiCalls,
        result.errors.length,
        scan.complete ? 1 : 0,
      );
      const insertError = this.sql(
        'INSERT INTO scan_errors (scan_id, account_id, region, key_id, code, message) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const e of result.errors) insertError.run(scan.id, e.accountId, e.region, e.keyId, e.code, e.message);
      this.keys.save(result.keys, at);
      this.keys.markCoverage(result);

      this.db.exec('CREATE TEMP TABLE IF NOT EXISTS seen (fingerprint TEXT PRIMARY KEY); DELETE FROM seen;');
      const markSeen = this.sql('INSERT OR IGNORE INTO seen (fingerprint) VALUES (?)');
      const actor = `scan:${scan.id}`;
      let newFindings = 0;
      let stillOpen = 0;
      for (const finding of result.findings) {
        const fingerprint = fingerprintOf(finding);
        markSeen.run(fingerprint);
        const outcome = this.ledger.upsert(fingerprint, finding, scan.id, actor, at);
        if (outcome === 'still-open') stillOpen++;
        else if (outcome !== 'unchanged') newFindings++;
      }
      const resolved = this.ledger.resolveWhere(
        `status != 'resolved' AND (account_id, region) IN (SELECT account_id, region FROM covered)
         AND (account_id, region, key_id) NOT IN (SELECT account_id, region, key_id FROM unread)
         AND fingerprint NOT IN (SELECT fingerprint FROM seen)`,
        [],
        'no longer seen in a complete scan of its account and region',
        actor,
        at,
      );
      this.keys.forgetVanished();
      this.sql('UPDATE scans SET new_findings = ?, still_open = ?, resolved = ? WHERE id = ?').run(
        newFindings,
        stillOpen,
        resolved,
        scan.id,
      );
      return { newFindings, stillOpen, resolved };
    });
  }

  applyEvaluation(
    key: KeySnapshot,
    findings: readonly KeyFinding[],
    cause: string,
    actor: string,
    now: Date,
  ): FindingChanges {
    return this.transaction(() => {
      if (
        findings.length === 0 &&
        this.sql("SELECT 1 FROM findings WHERE key_arn = ? AND status != 'resolved' LIMIT 1").get(key.keyArn) ===
          undefined
      ) {
        return { newFindings: 0, stillOpen: 0, resolved: 0 };
      }
      const at = now.toISOString();
      const fingerprints = findings.map(fingerprintOf);
      let newFindings = 0;
      let stillOpen = 0;
      findings.forEach((finding, i) => {
        const existing = this.ledger.statusOf(fingerprints[i] as string);
        if (existing === undefined || existing === 'resolved') {
          this.ledger.upsert(fingerprints[i] as string, finding, null, actor, at, false);
          newFindings++;
        } else {
          stillOpen++;
        }
      });
      const placeholders = fingerprints.map(() => '?').join(', ');
      // What was never read (policy or grants) was not judged, so its findings stand.
      const judged = [key.policy !== null ? "'policy'" : null, key.grants !== null ? "'grant'" : null].filter(Boolean);
      if (judged.length === 0) return { newFindings, stillOpen, resolved: 0 };
      const resolved = this.ledger.resolveWhere(
        `status != 'resolved' AND key_arn = ? AND source IN (${judged.join(', ')})${fingerprints.length > 0 ? ` AND fingerprint NOT IN (${placeholders})` : ''}`,
        [key.keyArn, ...fingerprints],
        cause,
        actor,
        at,
      );
      return { newFindings, stillOpen, resolved };
    });
  }

  /**
   * Reads only, so that a read-only file can be read: an acknowledgement whose end has passed shows as open here,
   * and the next write records its expiry (audit row and notification).
   */
  findings(filter: FindingFilter, now: Date): StoredFinding[] {
    return this.guard(() => {
      const status = `CASE WHEN status = 'acknowledged' AND ${ACK_ENDED} THEN 'open' ELSE status END`;
      const where: string[] = [];
      if (filter.status !== 'all') where.push(`${status} = @status`);
      if (filter.accountId !== undefined) where.push('account_id = @account');
      const sql = `SELECT *, ${status} AS effective_status FROM findings ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
                 account_id, region, key_id, principal`;
      return this.sql<[Record<string, string>], FindingRow & { effective_status: StoredFinding['status'] }>(sql)
        .all({ now: now.toISOString(), status: filter.status, account: filter.accountId ?? '' })
        .map((row) => findingFromRow({ ...row, status: row.effective_status }));
    });
  }

  finding(fingerprint: string): StoredFinding | undefined {
    return this.guard(() => {
      const row = this.sql<[string], FindingRow>('SELECT * FROM findings WHERE fingerprint = ?').get(fingerprint);
      return row === undefined ? undefined : findingFromRow(row);
    });
  }

  acknowledge(fingerprint: string, actor: string, reason: string, until: Date | null, now: Date): StoredFinding {
    return this.transaction(() => {
      this.ledger.expireAcknowledgements(now.toISOString());
      const before = this.finding(fingerprint);
      if (before === undefined) throw new SentinelError('not-found', `no finding has the fingerprint ${fingerprint}`);
      if (before.status === 'resolved') {
        throw new SentinelError(
          'not-found',
          `finding ${fingerprint} is resolved (${before.resolvedCause}); there is nothing to acknowledge`,
        );
      }
      this.sql(
        "UPDATE findings SET status = 'acknowledged', ack_by = ?, ack_reason = ?, ack_until = ? WHERE fingerprint = ?",
      ).run(actor, reason, until?.toISOString() ?? null, fingerprint);
      const after = this.finding(fingerprint) as StoredFinding;
      const at = now.toISOString();
      this.journal.audit(at, actor, 'finding-acknowledged', fingerprint, statusPart(before), statusPart(after));
      return after;
    });
  }

  scans(limit: number): ScanRecord[] {
    return this.guard(() =>
      this.db
        .prepare<[number], Record<string, string | number>>('SELECT * FROM scans ORDER BY started_at DESC, id LIMIT ?')
        .all(limit)
        .map((r) => ({
          id: String(r.id),
          startedBy: String(r.started_by),
          startedAt: String(r.started_at),
          finishedAt: String(r.finished_at),
          accounts: Number(r.accounts),
          regions: Number(r.regions),
          keys: Number(r.keys),
          customerManagedKeys: Number(r.customer_managed_keys),
          apiCalls: Number(r.api_calls),
          errors: Number(r.errors),
          complete: r.complete === 1,
          newFindings: Number(r.new_findings),
          stillOpen: Number(r.still_open),
          resolved: Number(r.resolved),
        })),
    );
  }

  audit(limit: number): AuditRecord[] {
    return this.guard(() =>
      this.sql<
        [number],
        {
          id: number;
          at: string;
          actor: string;
          action: string;
          subject: string;
          before: string | null;
          after: string | null;
        }
      >('SELECT * FROM audit ORDER BY id DESC LIMIT ?')
        .all(limit)
        .map((r) => ({ ...r, before: parse(r.before), after: parse(r.after) })),
    );
  }

  outbox(limit: number): OutboxRecord[] {
    return this.guard(() =>
      this.sql<
        [number],
        {
          id: number;
          created_at: string;
          kind: string;
          fingerprint: string | null;
          account_id: string | null;
          payload: string;
        }
      >('SELECT * FROM outbox ORDER BY id LIMIT ?')
        .all(limit)
        .map((r) => ({
          id: r.id,
          createdAt: r.created_at,
          kind: r.kind,
          fingerprint: r.fingerprint,
          accountId: r.account_id,
          payload: parse(r.payload),
        })),
    );
  }

  delivered(id: number): void {
    this.guard(() => this.sql('DELETE FROM outbox WHERE id = ?').run(id));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // --- internals

  private sql<P extends unknown[] | object = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    return this.statements.sql<P, R>(source);
  }

  private guard<T>(work: () => T): T {
    return withStoreErrors(this.path, work);
  }
}

/** An acknowledgement's end has passed (bound to `@now`); times compare as instants, not as text. */
const ACK_ENDED = 'ack_until IS NOT NULL AND julianday(ack_until) <= julianday(@now)';

function statusPart(f: StoredFinding) {
  return { status: f.status, ackBy: f.ackBy, ackReason: f.ackReason, ackUntil: f.ackUntil };
}

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
