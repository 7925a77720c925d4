import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SentinelError } from '../../core/errors.js';
import { fingerprintOf } from '../../core/findings/fingerprint.js';
import { compareSeverity, type Severity } from '../../core/policy/actions.js';
import type { GrantEntry, KeyFinding, KeySnapshot } from '../../core/scan/types.js';
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
  TrustRecord,
} from '../../usecases/store-port.js';
import { openDatabase, withStoreErrors } from './open-database.js';
import { type FindingRow, findingColumns, findingFromRow, findingSummary } from './rows.js';

/** The SQLite store: the only code that imports better-sqlite3. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.db = openDatabase(path);
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

  addTrust(entry: TrustEntry, note: string | null, actor: string, now: Date): boolean {
    return this.transaction(() => {
      const at = now.toISOString();
      const text = canonicalTrustText(entry);
      const { changes } = this.sql(
        'INSERT OR IGNORE INTO trust (entry, kind, note, added_by, added_at) VALUES (?, ?, ?, ?, ?)',
      ).run(text, entry.kind, note, actor, at);
      if (changes === 0) return false;
      this.writeAudit(at, actor, 'trust-added', text, null, { kind: entry.kind, note });
      return true;
    });
  }

  removeTrust(entry: TrustEntry, actor: string, now: Date): boolean {
    return this.transaction(() => {
      const text = canonicalTrustText(entry);
      const before = this.sql('SELECT entry, kind, note, added_by, added_at FROM trust WHERE entry = ?').get(text);
      if (before === undefined) return false;
      this.sql('DELETE FROM trust WHERE entry = ?').run(text);
      this.writeAudit(now.toISOString(), actor, 'trust-removed', text, before, null);
      return true;
    });
  }

  importConfigTrust(entries: readonly TrustEntry[], now: Date): TrustEntry[] {
    return this.transaction(() => {
      const record = this.sql('INSERT OR IGNORE INTO config_trust_imports (entry, imported_at) VALUES (?, ?)');
      return entries.filter((entry) => {
        if (record.run(canonicalTrustText(entry), now.toISOString()).changes === 0) return false;
        return this.addTrust(entry, 'imported from the config file', 'config', now);
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
        if (this.addTrust(entry, 'a member of the organization', ORGANIZATION, now)) changed++;
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

  recordScan(result: ScanResult, startedBy: string, now: Date): FindingChanges {
    return this.transaction(() => {
      const at = now.toISOString();
      const { scan } = result;
      this.expireAcknowledgements(at);
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
      this.saveKeys(result.keys, at);
      this.markCoverage(result);

      this.db.exec('CREATE TEMP TABLE IF NOT EXISTS seen (fingerprint TEXT PRIMARY KEY); DELETE FROM seen;');
      const markSeen = this.sql('INSERT OR IGNORE INTO seen (fingerprint) VALUES (?)');
      const actor = `scan:${scan.id}`;
      let newFindings = 0;
      let stillOpen = 0;
      for (const finding of result.findings) {
        const fingerprint = fingerprintOf(finding);
        markSeen.run(fingerprint);
        const outcome = this.upsertFinding(fingerprint, finding, scan.id, actor, at);
        if (outcome === 'still-open') stillOpen++;
        else if (outcome !== 'unchanged') newFindings++;
      }
      const resolved = this.resolveWhere(
        `status != 'resolved' AND (account_id, region) IN (SELECT account_id, region FROM covered)
         AND (account_id, region, key_id) NOT IN (SELECT account_id, region, key_id FROM unread)
         AND fingerprint NOT IN (SELECT fingerprint FROM seen)`,
        [],
        'no longer seen in a complete scan of its account and region',
        actor,
        at,
      );
      this.forgetVanishedKeys();
      this.sql('UPDATE scans SET new_findings = ?, still_open = ?, resolved = ? WHERE id = ?').run(
        newFindings,
        stillOpen,
        resolved,
        scan.id,
      );
      return { newFindings, stillOpen, resolved };
    });
  }

  /**
   * Which account-regions the scan read in full (or listed in full, less the keys it could not read): only there may
   * findings resolve and keys be forgotten.
   */
  private markCoverage(result: ScanResult): void {
    this.db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS covered (account_id TEXT, region TEXT, PRIMARY KEY (account_id, region)); DELETE FROM covered;
       CREATE TEMP TABLE IF NOT EXISTS unread (account_id TEXT, region TEXT, key_id TEXT, PRIMARY KEY (account_id, region, key_id)); DELETE FROM unread;`,
    );
    const cover = this.sql('INSERT OR IGNORE INTO covered (account_id, region) VALUES (?, ?)');
    const unread = this.sql('INSERT OR IGNORE INTO unread (account_id, region, key_id) VALUES (?, ?, ?)');
    for (const c of result.coverage) {
      if (c.region === null || !(c.complete || c.listed === true)) continue;
      cover.run(c.accountId, c.region);
      for (const keyId of c.keysUnread ?? []) unread.run(c.accountId, c.region, keyId);
    }
  }

  /** Pages through the keys, so that the caller may write between pages (SQLite allows no write mid-iteration). */
  *storedKeys(): Iterable<KeySnapshot> {
    const page = this.sql<[string], KeyRow>(
      `SELECT k.*, p.text AS policy FROM keys k LEFT JOIN policies p ON p.hash = k.policy_hash
       WHERE k.key_arn > ? ORDER BY k.key_arn LIMIT 500`,
    );
    let after = '';
    for (;;) {
      const rows = this.guard(() => page.all(after));
      for (const row of rows) yield keyFromRow(row);
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      after = last.key_arn;
    }
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
        const existing = this.statusOf(fingerprints[i] as string);
        if (existing === undefined || existing === 'resolved') {
          this.upsertFinding(fingerprints[i] as string, finding, null, actor, at, false);
          newFindings++;
        } else {
          stillOpen++;
        }
      });
      const placeholders = fingerprints.map(() => '?').join(', ');
      // What was never read (policy or grants) was not judged, so its findings stand.
      const judged = [key.policy !== null ? "'policy'" : null, key.grants !== null ? "'grant'" : null].filter(Boolean);
      if (judged.length === 0) return { newFindings, stillOpen, resolved: 0 };
      const resolved = this.resolveWhere(
        `status != 'resolved' AND key_arn = ? AND source IN (${judged.join(', ')})${fingerprints.length > 0 ? ` AND fingerprint NOT IN (${placeholders})` : ''}`,
        [key.keyArn, ...fingerprints],
        cause,
        actor,
        at,
      );
      return { newFindings, stillOpen, resolved };
    });
  }

  findings(filter: FindingFilter, now: Date): StoredFinding[] {
    return this.transaction(() => {
      this.expireAcknowledgements(now.toISOString());
      const where: string[] = [];
      const params: string[] = [];
      if (filter.status !== 'all') {
        where.push('status = ?');
        params.push(filter.status);
      }
      if (filter.accountId !== undefined) {
        where.push('account_id = ?');
        params.push(filter.accountId);
      }
      const sql = `SELECT * FROM findings ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
                 account_id, region, key_id, principal`;
      return this.sql<string[], FindingRow>(sql)
        .all(...params)
        .map(findingFromRow);
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
      this.writeAudit(at, actor, 'finding-acknowledged', fingerprint, statusPart(before), statusPart(after));
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

  private readonly statements = new Map<string, Database.Statement>();
  private policiesReplaced = false;

  /** Prepares each statement once per connection. */
  private sql<P extends unknown[] | object = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    let statement = this.statements.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  }

  private guard<T>(work: () => T): T {
    return withStoreErrors(this.path, work);
  }

  /**
   * Stores each key as read; a row is rewritten only when something about the key changed. A policy or grants that
   * could not be read this time keep their last known value. Policies are stored once per distinct text.
   */
  private saveKeys(keys: readonly KeySnapshot[], at: string): void {
    this.db.exec('CREATE TEMP TABLE IF NOT EXISTS present (key_arn TEXT PRIMARY KEY); DELETE FROM present;');
    const present = this.sql('INSERT OR IGNORE INTO present (key_arn) VALUES (?)');
    const savePolicy = this.sql('INSERT OR IGNORE INTO policies (hash, text) VALUES (?, ?)');
    const saveKey = this.sql(
      `INSERT INTO keys (key_arn, account_id, region, key_id, aliases, key_state, multi_region, multi_region_key_type, policy_hash, grants, first_seen, changed_at)
       VALUES (@key_arn, @account_id, @region, @key_id, @aliases, @key_state, @multi_region, @multi_region_key_type, @policy_hash, @grants, @at, @at)
       ON CONFLICT (key_arn) DO UPDATE SET aliases = excluded.aliases, key_state = excluded.key_state,
         multi_region = excluded.multi_region, multi_region_key_type = excluded.multi_region_key_type,
         policy_hash = COALESCE(excluded.policy_hash, keys.policy_hash), grants = COALESCE(excluded.grants, keys.grants),
         changed_at = excluded.changed_at
       WHERE keys.aliases IS NOT excluded.aliases OR keys.key_state IS NOT excluded.key_state
         OR keys.multi_region IS NOT excluded.multi_region OR keys.multi_region_key_type IS NOT excluded.multi_region_key_type
         OR (excluded.policy_hash IS NOT NULL AND keys.policy_hash IS NOT excluded.policy_hash)
         OR (excluded.grants IS NOT NULL AND keys.grants IS NOT excluded.grants)`,
    );
    // Orphaned policy texts appear only when a known key gets a new policy (or a key is forgotten).
    const known = (this.sql('SELECT count(*) AS n FROM keys').get() as { n: number }).n > 0;
    this.policiesReplaced = false;
    for (const key of keys) {
      const hash = key.policy === null ? null : createHash('sha256').update(key.policy).digest('hex');
      // A new policy text means some key's policy changed (or a key is new): old texts may be orphaned.
      if (hash !== null && savePolicy.run(hash, key.policy).changes > 0 && known) this.policiesReplaced = true;
      present.run(key.keyArn);
      saveKey.run({
        key_arn: key.keyArn,
        account_id: key.accountId,
        region: key.region,
        key_id: key.keyId,
        aliases: JSON.stringify(key.aliases),
        key_state: key.keyState,
        multi_region: key.multiRegion ? 1 : 0,
        multi_region_key_type: key.multiRegionKeyType,
        policy_hash: hash,
        grants: key.grants === null ? null : JSON.stringify(key.grants),
        at,
      });
    }
  }

  /** Forgets keys gone from a region the scan listed in full (deleted keys), and policies no key uses any more. */
  private forgetVanishedKeys(): void {
    const { changes } = this.sql(
      `DELETE FROM keys WHERE (account_id, region) IN (SELECT account_id, region FROM covered)
         AND key_arn NOT IN (SELECT key_arn FROM present)
         AND (account_id, region, key_id) NOT IN (SELECT account_id, region, key_id FROM unread)`,
    ).run();
    if (changes > 0 || this.policiesReplaced) {
      this.sql(
        'DELETE FROM policies WHERE NOT EXISTS (SELECT 1 FROM keys WHERE keys.policy_hash = policies.hash)',
      ).run();
    }
  }

  private statusOf(fingerprint: string): StoredFinding['status'] | undefined {
    return this.sql<[string], { status: StoredFinding['status'] }>(
      'SELECT status FROM findings WHERE fingerprint = ?',
    ).get(fingerprint)?.status;
  }

  /** Inserts a new finding, reopens a resolved one (keeping its history), or refreshes one still open. */
  private upsertFinding(
    fingerprint: string,
    finding: KeyFinding,
    scanId: string | null,
    actor: string,
    at: string,
    seenByScan = true,
  ): 'new' | 'reopened' | 'still-open' | 'unchanged' {
    const columns = findingColumns(finding);
    const existing = this.sql<[string], { status: StoredFinding['status']; severity: Severity; public: number }>(
      'SELECT status, severity, public FROM findings WHERE fingerprint = ?',
    ).get(fingerprint);
    const status = existing?.status;
    if (existing === undefined) {
      this.sql(
        `INSERT INTO findings (fingerprint, account_id, region, key_id, key_arn, source, statement, grant_id, principal, account, actions, severity, public, reason, detail, aliases, key_state, status, first_seen, last_seen, times_seen, last_scan_id)
           VALUES (@fingerprint, @account_id, @region, @key_id, @key_arn, @source, @statement, @grant_id, @principal, @account, @actions, @severity, @public, @reason, @detail, @aliases, @key_state, 'open', @at, @at, @times, @scan)`,
      ).run({ ...columns, fingerprint, at, times: seenByScan ? 1 : 0, scan: scanId });
      const summary = findingSummary({ ...finding, fingerprint, status: 'open' });
      this.writeAudit(at, actor, 'finding-opened', fingerprint, null, { status: 'open' });
      this.writeOutbox(at, 'finding-opened', fingerprint, finding.accountId, summary);
      return 'new';
    }
    const seen = seenByScan ? ', last_seen = @at, times_seen = times_seen + 1, last_scan_id = @scan' : '';
    if (status === 'resolved') {
      this.sql(
        `UPDATE findings SET status = 'open', resolved_at = NULL, resolved_cause = NULL, ack_by = NULL, ack_reason = NULL, ack_until = NULL,
             actions = @actions, severity = @severity, public = @public, reason = @reason, detail = @detail, aliases = @aliases, key_state = @key_state${seen}
           WHERE fingerprint = @fingerprint`,
      ).run({ ...columns, fingerprint, at, scan: scanId });
      this.writeAudit(at, actor, 'finding-reopened', fingerprint, { status: 'resolved' }, { status: 'open' });
      this.writeOutbox(
        at,
        'finding-reopened',
        fingerprint,
        finding.accountId,
        findingSummary({ ...finding, fingerprint, status: 'open' }),
      );
      return 'reopened';
    }
    if (!seenByScan) return 'unchanged';
    this.sql(
      `UPDATE findings SET actions = @actions, severity = @severity, public = @public, reason = @reason, detail = @detail,
           aliases = @aliases, key_state = @key_state${seen} WHERE fingerprint = @fingerprint`,
    ).run({ ...columns, fingerprint, at, scan: scanId });
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
      this.sql(
        "UPDATE findings SET status = 'open', ack_by = NULL, ack_reason = NULL, ack_until = NULL WHERE fingerprint = ?",
      ).run(fingerprint);
    }
    const after = { status: 'open', severity: finding.severity, public: finding.public };
    this.writeAudit(
      at,
      actor,
      'finding-escalated',
      fingerprint,
      { status: before.status, severity: before.severity, public: before.public === 1 },
      after,
    );
    this.writeOutbox(
      at,
      'finding-escalated',
      fingerprint,
      finding.accountId,
      findingSummary({ ...finding, fingerprint, status: 'open' }),
    );
  }

  /** Resolves every finding the condition selects, with one audit row and one notification each. */
  private resolveWhere(condition: string, params: unknown[], cause: string, actor: string, at: string): number {
    this.sql(
      `INSERT INTO audit (at, actor, action, subject, before, after)
         SELECT ?, ?, 'finding-resolved', fingerprint, json_object('status', status), json_object('status', 'resolved', 'cause', ?)
         FROM findings WHERE ${condition}`,
    ).run(at, actor, cause, ...params);
    this.sql(
      `INSERT INTO outbox (created_at, kind, fingerprint, account_id, payload)
         SELECT ?, 'finding-resolved', fingerprint, account_id,
           json_object('fingerprint', fingerprint, 'status', 'resolved', 'cause', ?, 'accountId', account_id, 'region', region,
             'keyId', key_id, 'keyArn', key_arn, 'aliases', json(aliases), 'source', source, 'statement', statement,
             'grantId', grant_id, 'principal', principal, 'account', account, 'actions', json(actions),
             'severity', severity, 'public', json(CASE public WHEN 1 THEN 'true' ELSE 'false' END), 'reason', reason)
         FROM findings WHERE ${condition}`,
    ).run(at, cause, ...params);
    return this.sql(
      `UPDATE findings SET status = 'resolved', resolved_at = ?, resolved_cause = ? WHERE ${condition}`,
    ).run(at, cause, ...params).changes;
  }

  /** Acknowledgements with an end date come back as open once it has passed. */
  private expireAcknowledgements(at: string): void {
    const expired = this.sql<[string], { fingerprint: string; ack_until: string }>(
      "SELECT fingerprint, ack_until FROM findings WHERE status = 'acknowledged' AND ack_until IS NOT NULL AND ack_until <= ?",
    ).all(at);
    for (const { fingerprint, ack_until } of expired) {
      this.sql("UPDATE findings SET status = 'open' WHERE fingerprint = ?").run(fingerprint);
      this.writeAudit(
        at,
        'system',
        'acknowledgement-expired',
        fingerprint,
        { status: 'acknowledged', until: ack_until },
        { status: 'open' },
      );
      const row = this.sql<[string], FindingRow>('SELECT * FROM findings WHERE fingerprint = ?').get(
        fingerprint,
      ) as FindingRow;
      const f = findingFromRow(row);
      this.writeOutbox(at, 'finding-reopened', fingerprint, f.accountId, findingSummary(f));
    }
  }

  private writeAudit(
    at: string,
    actor: string,
    action: string,
    subject: string,
    before: unknown,
    after: unknown,
  ): void {
    this.sql('INSERT INTO audit (at, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)').run(
      at,
      actor,
      action,
      subject,
      before === null ? null : JSON.stringify(before),
      after === null ? null : JSON.stringify(after),
    );
  }

  private writeOutbox(at: string, kind: string, fingerprint: string, accountId: string, payload: unknown): void {
    this.sql('INSERT INTO outbox (created_at, kind, fingerprint, account_id, payload) VALUES (?, ?, ?, ?, ?)').run(
      at,
      kind,
      fingerprint,
      accountId,
      JSON.stringify(payload),
    );
  }
}

interface KeyRow {
  key_arn: string;
  account_id: string;
  region: string;
  key_id: string;
  aliases: string;
  key_state: string;
  multi_region: number;
  multi_region_key_type: string | null;
  policy: string | null;
  grants: string | null;
}

function keyFromRow(row: KeyRow): KeySnapshot {
  return {
    accountId: row.account_id,
    region: row.region,
    keyId: row.key_id,
    keyArn: row.key_arn,
    aliases: JSON.parse(row.aliases) as string[],
    keyState: row.key_state,
    multiRegion: row.multi_region === 1,
    multiRegionKeyType: row.multi_region_key_type,
    policy: row.policy,
    grants: row.grants === null ? null : (JSON.parse(row.grants) as GrantEntry[]),
  };
}

function statusPart(f: StoredFinding) {
  return { status: f.status, ackBy: f.ackBy, ackReason: f.ackReason, ackUntil: f.ackUntil };
}

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
