import type { Severity } from '../../core/policy/actions.js';
import type { FindingKind } from '../../core/scan/types.js';
import {
  FINDING_CHANGES,
  LISTED,
  type SummaryFacts,
  summaryWindow,
  UNREADABLE_KINDS,
} from '../../core/summary/facts.js';
import type { FindingStatus } from '../../usecases/store-port.js';
import { type FindingRow, findingFromRow } from './rows.js';
import type { Statements } from './statements.js';

const CHANGE_ACTIONS = FINDING_CHANGES.map((a) => `'${a}'`).join(', ');
const KEY_KINDS = UNREADABLE_KINDS.map((k) => `'${k}'`).join(', ');

/** Findings with an audit row since @since (the audit log's `at` is indexed: only the window is read). */
const CHANGED = `SELECT subject FROM audit WHERE at >= @since AND action IN (${CHANGE_ACTIONS})`;

/** Open as of @now: an acknowledgement whose end has passed is open. */
const OPEN_NOW = `(status = 'open' OR (status = 'acknowledged' AND ack_until IS NOT NULL AND julianday(ack_until) <= julianday(@now)))`;

interface GroupRow {
  account_id: string;
  severity: Severity;
  status: FindingStatus;
  kind: FindingKind;
  ack_until: string | null;
  n: number;
}

/**
 * What a summary at `now` is computed from (see SummaryFacts): the findings that did not change in its window counted
 * in groups, those that did one by one with their audit rows, and the few findings it names. The caller holds one
 * read transaction around it, so that every part is of the same moment.
 */
export function summaryFacts(statements: Statements, now: Date): SummaryFacts {
  const { since, weekAhead } = summaryWindow(now);
  const params = { since: since.toISOString(), now: now.toISOString(), ahead: weekAhead.toISOString() };
  const steady = statements
    .sql<[typeof params], GroupRow>(
      `SELECT account_id, severity, status, kind, CASE WHEN status = 'acknowledged' THEN ack_until END AS ack_until,
         count(*) AS n
       FROM findings WHERE status != 'resolved' AND fingerprint NOT IN (${CHANGED})
       GROUP BY 1, 2, 3, 4, 5`,
    )
    .all(params)
    .map((r) => ({
      accountId: r.account_id,
      severity: r.severity,
      status: r.status,
      kind: r.kind,
      ackUntil: r.ack_until,
      count: r.n,
    }));
  const changed = statements
    .sql<[typeof params], GroupRow & { fingerprint: string; first_seen: string }>(
      `SELECT fingerprint, account_id, severity, status, kind, ack_until, first_seen
       FROM findings WHERE fingerprint IN (${CHANGED})`,
    )
    .all(params)
    .map((r) => ({
      fingerprint: r.fingerprint,
      accountId: r.account_id,
      severity: r.severity,
      status: r.status,
      kind: r.kind,
      ackUntil: r.ack_until,
      firstSeen: r.first_seen,
    }));
  const changes = statements
    .sql<[typeof params], { at: string; action: string; subject: string; before: string | null }>(
      `SELECT at, action, subject, before FROM audit WHERE at >= @since AND action IN (${CHANGE_ACTIONS}) ORDER BY id`,
    )
    .all(params)
    .map((r) => ({
      at: r.at,
      fingerprint: r.subject,
      action: r.action,
      before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    }));
  const rows = (where: string, order: string, limit: number) =>
    statements
      .sql<[typeof params], FindingRow>(`SELECT * FROM findings WHERE ${where} ORDER BY ${order} LIMIT ${limit}`)
      .all(params)
      .map(findingFromRow);
  return {
    steady,
    changed,
    changes,
    oldestOpen: rows(OPEN_NOW, 'first_seen, fingerprint', 1)[0],
    expiring: rows(
      `status = 'acknowledged' AND ack_until IS NOT NULL
         AND julianday(ack_until) > julianday(@now) AND julianday(ack_until) <= julianday(@ahead)`,
      'julianday(ack_until), fingerprint',
      LISTED,
    ),
    unreadable: rows(`status != 'resolved' AND kind IN (${KEY_KINDS})`, 'first_seen, fingerprint', LISTED),
  };
}
