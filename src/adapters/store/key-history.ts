import type { AuditRecord, KeyHistory, StoredFinding } from '../../usecases/store-port.js';
import { type AuditRow, auditRecordOf, EFFECTIVE_STATUS, WORST_FIRST } from './queries.js';
import { type RemediationRow, recordOf } from './remediation-records.js';
import { type FindingRow, findingFromRow } from './rows.js';
import type { Statements } from './statements.js';

/** The audit rows about a key: those naming it, and those naming one of its findings. */
const ABOUT_KEY = 'subject = @key OR subject IN (SELECT fingerprint FROM findings WHERE key_arn = @key)';

/** Reads what the record holds about one key beside its reading (see KeyHistory). Reads only. */
export function readKeyHistory(statements: Statements, keyArn: string, auditLimit: number, now: Date): KeyHistory {
  const findings = statements
    .sql<[Record<string, string>], FindingRow & { effective_status: StoredFinding['status'] }>(
      `SELECT *, ${EFFECTIVE_STATUS} AS effective_status
       FROM findings WHERE key_arn = @key ORDER BY ${WORST_FIRST}`,
    )
    .all({ key: keyArn, now: now.toISOString() })
    .map((row) => findingFromRow({ ...row, status: row.effective_status }));
  const limit = Math.max(0, Math.floor(auditLimit));
  const audit: AuditRecord[] = statements
    .sql<[Record<string, string | number>], AuditRow>(
      `SELECT * FROM (SELECT * FROM audit WHERE ${ABOUT_KEY} ORDER BY id DESC LIMIT @limit) ORDER BY id`,
    )
    .all({ key: keyArn, limit })
    .map(auditRecordOf);
  const auditTotal = statements
    .sql<[Record<string, string>], { n: number }>(`SELECT count(*) AS n FROM audit WHERE ${ABOUT_KEY}`)
    .get({ key: keyArn })?.n;
  const remediations = statements
    .sql<[string], RemediationRow>('SELECT * FROM remediations WHERE key_arn = ? ORDER BY started_at, id')
    .all(keyArn)
    .map(recordOf);
  const read = statements
    .sql<[string], { read_at: string | null }>(
      `SELECT max(coalesce(k.replaced_at, ''), coalesce(r.read_at, '')) AS read_at
       FROM keys k LEFT JOIN region_reads r ON r.account_id = k.account_id AND r.region = k.region
       WHERE k.key_arn = ?`,
    )
    .get(keyArn)?.read_at;
  return { readAt: read ? read : null, findings, audit, auditTotal: auditTotal ?? 0, remediations };
}

/** The unresolved items about whole keys: few, whatever the size of the record. */
export function readKeyItems(statements: Statements): StoredFinding[] {
  return statements
    .sql<[], FindingRow>(
      `SELECT * FROM findings WHERE source = 'key' AND status != 'resolved' ORDER BY account_id, region, key_arn, kind`,
    )
    .all()
    .map(findingFromRow);
}
