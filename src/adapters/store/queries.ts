import type { Severity } from '../../core/policy/actions.js';
import type { KeyNotice } from '../../core/scan/types.js';
import type { ScanError, ScanErrorCode } from '../../usecases/scan-types.js';
import type {
  AuditRecord,
  FindingCounts,
  FindingFilter,
  ScanRecord,
  StoredFinding,
} from '../../usecases/store-port.js';
import { type FindingRow, findingFromRow } from './rows.js';
import type { Statements } from './statements.js';

/** An acknowledgement's end has passed (bound to `@now`); times compare as instants, not as text. */
const ACK_ENDED = 'ack_until IS NOT NULL AND julianday(ack_until) <= julianday(@now)';

/** Worst first, then where, as every listing orders findings. */
export const WORST_FIRST = `CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
  account_id, region, key_id, source, principal, statement, grant_id`;

const PAGE = 500;

/** A finding's status as of `@now`: an acknowledgement whose end has passed is open. */
export const EFFECTIVE_STATUS = `CASE WHEN status = 'acknowledged' AND ${ACK_ENDED} THEN 'open' ELSE status END`;

function whereOf(filter: FindingFilter): string {
  const where: string[] = [];
  if (filter.status !== 'all') where.push(`${EFFECTIVE_STATUS} = @status`);
  if (filter.accountId !== undefined) where.push('account_id = @account');
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

function filterParams(filter: FindingFilter, now: Date): Record<string, string> {
  return { now: now.toISOString(), status: filter.status, account: filter.accountId ?? '' };
}

/** The record's reads. None writes, so they work on a read-only file. */
export class Queries {
  private readonly statements: Statements;
  private readonly guard: <T>(work: () => T) => T;

  constructor(statements: Statements, guard: <T>(work: () => T) => T) {
    this.statements = statements;
    this.guard = guard;
  }

  /** An acknowledgement whose end has passed shows as open here; the next write records its expiry. */
  findings(filter: FindingFilter, now: Date): StoredFinding[] {
    const limit = filter.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
    const sql = `SELECT *, ${EFFECTIVE_STATUS} AS effective_status FROM findings ${whereOf(filter)}
      ORDER BY ${WORST_FIRST} ${limit}`;
    return this.statements
      .sql<[Record<string, string>], FindingRow & { effective_status: StoredFinding['status'] }>(sql)
      .all(filterParams(filter, now))
      .map((row) => findingFromRow({ ...row, status: row.effective_status }));
  }

  findingCounts(filter: FindingFilter, now: Date): FindingCounts {
    const rows = this.statements
      .sql<[Record<string, string>], { account_id: string; severity: Severity; n: number }>(
        `SELECT account_id, severity, count(*) AS n FROM findings ${whereOf(filter)} GROUP BY account_id, severity`,
      )
      .all(filterParams(filter, now));
    const bySeverity = new Map<Severity, number>();
    const byAccount = new Map<string, number>();
    for (const r of rows) {
      bySeverity.set(r.severity, (bySeverity.get(r.severity) ?? 0) + r.n);
      byAccount.set(r.account_id, (byAccount.get(r.account_id) ?? 0) + r.n);
    }
    return {
      total: rows.reduce((sum, r) => sum + r.n, 0),
      bySeverity,
      byAccount: [...byAccount]
        .map(([accountId, count]) => ({ accountId, count }))
        .sort((a, b) => b.count - a.count || a.accountId.localeCompare(b.accountId)),
    };
  }

  finding(fingerprint: string): StoredFinding | undefined {
    const row = this.statements
      .sql<[string], FindingRow>('SELECT * FROM findings WHERE fingerprint = ?')
      .get(fingerprint);
    return row === undefined ? undefined : findingFromRow(row);
  }

  /** Page by page, so that a scan with many findings is never held whole. */
  *scanFindings(scanId: string): Iterable<StoredFinding> {
    const page = this.statements.sql<[string, number], { seq: number; finding: string }>(
      `SELECT seq, finding FROM scan_findings WHERE scan_id = ? AND seq > ? ORDER BY seq LIMIT ${PAGE}`,
    );
    for (let after = 0; ; ) {
      const rows = this.guard(() => page.all(scanId, after));
      for (const row of rows) yield findingFromRow(JSON.parse(row.finding) as FindingRow);
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      after = last.seq;
    }
  }

  *scanErrors(scanId: string): Iterable<ScanError> {
    for (const r of this.pages<ErrorRow>('scan_errors', scanId)) {
      yield {
        accountId: r.account_id,
        region: r.region,
        keyId: r.key_id,
        code: r.code,
        message: r.message,
        ...(r.key_arn === null ? {} : { keyArn: r.key_arn }),
      };
    }
  }

  *scanNotices(scanId: string): Iterable<KeyNotice> {
    for (const r of this.pages<NoticeRow>('scan_notices', scanId)) {
      yield {
        accountId: r.account_id,
        region: r.region,
        keyId: r.key_id,
        source: r.source,
        statement: r.statement,
        grantId: r.grant_id,
        code: r.code,
        message: r.message,
      };
    }
  }

  /** A scan's rows of a table, in the order they were written, a page at a time: no statement stays open. */
  private *pages<R>(table: 'scan_errors' | 'scan_notices', scanId: string): Iterable<R> {
    const page = this.statements.sql<[string, number], R & { n: number }>(
      `SELECT rowid AS n, * FROM ${table} WHERE scan_id = ? AND rowid > ? ORDER BY rowid LIMIT ${PAGE}`,
    );
    let after = 0;
    for (;;) {
      const rows = this.guard(() => page.all(scanId, after));
      yield* rows;
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < PAGE) return;
      after = last.n;
    }
  }

  scans(limit: number): ScanRecord[] {
    return this.statements
      .sql<[number], Record<string, string | number>>('SELECT * FROM scans ORDER BY started_at DESC, id LIMIT ?')
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
        throttled: Number(r.throttled),
        errors: Number(r.errors),
        complete: r.complete === 1,
        newFindings: Number(r.new_findings),
        stillOpen: Number(r.still_open),
        resolved: Number(r.resolved),
      }));
  }

  audit(limit: number): AuditRecord[] {
    return this.statements
      .sql<[number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?')
      .all(limit)
      .map(auditRecordOf);
  }
}

interface ErrorRow {
  account_id: string;
  region: string | null;
  key_id: string | null;
  code: ScanErrorCode;
  message: string;
  key_arn: string | null;
}

interface NoticeRow {
  account_id: string;
  region: string;
  key_id: string;
  source: KeyNotice['source'];
  statement: string | null;
  grant_id: string | null;
  code: string;
  message: string;
}

/** An audit row as SQLite holds it: its before and after are JSON text. */
export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  before: string | null;
  after: string | null;
}

export function auditRecordOf(r: AuditRow): AuditRecord {
  return { ...r, before: parse(r.before), after: parse(r.after) };
}

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
