import type { Severity } from '../../core/policy/actions.js';
import type { FindingKind, FindingSource, KeyFinding } from '../../core/scan/types.js';
import type { FindingStatus, StoredFinding } from '../../usecases/store-port.js';

/** A `findings` row as SQLite returns it. */
export interface FindingRow {
  fingerprint: string;
  kind: FindingKind;
  account_id: string;
  region: string;
  key_id: string;
  key_arn: string;
  source: FindingSource;
  statement: string | null;
  grant_id: string | null;
  principal: string;
  account: string | null;
  actions: string;
  severity: Severity;
  public: number;
  reason: string;
  detail: string | null;
  aliases: string;
  key_state: string;
  /** Absent from findings saved as JSON before migration 14. */
  stack: string | null;
  status: FindingStatus;
  first_seen: string;
  last_seen: string;
  times_seen: number;
  ack_by: string | null;
  ack_reason: string | null;
  ack_until: string | null;
  resolved_at: string | null;
  resolved_cause: string | null;
}

/** Every column of a findings row, by name (a snapshot of a row is stored as a JSON object of them). */
export const FINDING_COLUMNS = [
  'fingerprint',
  'kind',
  'account_id',
  'region',
  'key_id',
  'key_arn',
  'source',
  'statement',
  'grant_id',
  'principal',
  'account',
  'actions',
  'severity',
  'public',
  'reason',
  'detail',
  'aliases',
  'key_state',
  'stack',
  'status',
  'first_seen',
  'last_seen',
  'times_seen',
  'ack_by',
  'ack_reason',
  'ack_until',
  'resolved_at',
  'resolved_cause',
] as const satisfies readonly (keyof FindingRow)[];

/** A column added to FindingRow but not to the list above fails to compile here. */
const everyColumn: Record<Exclude<keyof FindingRow, (typeof FINDING_COLUMNS)[number]>, never> = {};
void everyColumn;

export function findingFromRow(row: FindingRow): StoredFinding {
  return {
    fingerprint: row.fingerprint,
    accountId: row.account_id,
    region: row.region,
    keyId: row.key_id,
    keyArn: row.key_arn,
    aliases: JSON.parse(row.aliases) as string[],
    keyState: row.key_state,
    stack: row.stack ?? null,
    kind: row.kind,
    source: row.source,
    statement: row.statement,
    grantId: row.grant_id,
    principal: row.principal,
    account: row.account,
    actions: JSON.parse(row.actions) as string[],
    severity: row.severity,
    public: row.public === 1,
    reason: row.reason,
    ...(row.detail === null ? {} : { detail: row.detail }),
    status: row.status,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    timesSeen: row.times_seen,
    ackBy: row.ack_by,
    ackReason: row.ack_reason,
    ackUntil: row.ack_until,
    resolvedAt: row.resolved_at,
    resolvedCause: row.resolved_cause,
  };
}

/** The columns a scan (or a re-evaluation) sets from a fresh finding. */
export function findingColumns(f: KeyFinding) {
  return {
    kind: f.kind,
    account_id: f.accountId,
    region: f.region,
    key_id: f.keyId,
    key_arn: f.keyArn,
    source: f.source,
    statement: f.statement,
    grant_id: f.grantId,
    principal: f.principal,
    account: f.account,
    actions: JSON.stringify(f.actions),
    severity: f.severity,
    public: f.public ? 1 : 0,
    reason: f.reason,
    detail: f.detail ?? null,
    aliases: JSON.stringify(f.aliases),
    key_state: f.keyState,
    stack: f.stack ?? null,
  };
}
