import { SEVERITY_ORDER, type Severity } from '../../core/policy/actions.js';
import type { DigestSummary } from '../../usecases/store-port.js';
import { type FindingRow, findingFromRow } from './rows.js';
import type { Statements } from './statements.js';

const SEVERITY_RANK = `CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;
/** The keys a digest lists in full. */
const WORST_KEYS = 10;

/** The unresolved findings a delivery's notifications name, summed up (see DigestSummary). */
export function digestOf(statements: Statements, deliveryId: string): DigestSummary {
  const carried = `SELECT * FROM findings WHERE status != 'resolved'
    AND fingerprint IN (SELECT fingerprint FROM outbox WHERE delivery_id = ? AND fingerprint IS NOT NULL)`;
  const keysByAccount = statements
    .sql<[string], { account_id: string; keys: number }>(
      `WITH f AS (${carried}) SELECT account_id, count(DISTINCT key_arn) AS keys FROM f GROUP BY account_id ORDER BY account_id`,
    )
    .all(deliveryId);
  const counts = statements
    .sql<[string], { account_id: string; severity: Severity; n: number }>(
      `WITH f AS (${carried}) SELECT account_id, severity, count(*) AS n FROM f GROUP BY account_id, severity`,
    )
    .all(deliveryId);
  const worstKeys = statements
    .sql<[string], string>(
      `WITH f AS (${carried}) SELECT key_arn FROM f GROUP BY key_arn
       ORDER BY min(${SEVERITY_RANK}), count(*) DESC, key_arn LIMIT ${WORST_KEYS}`,
    )
    .pluck()
    .all(deliveryId);
  const ofKey = statements.sql<[string, string], FindingRow>(
    `WITH f AS (${carried}) SELECT * FROM f WHERE key_arn = ? ORDER BY ${SEVERITY_RANK}, fingerprint`,
  );
  const severities = (rows: readonly { severity: Severity; n: number }[]) =>
    SEVERITY_ORDER.map((severity) => ({
      severity,
      findings: rows.filter((r) => r.severity === severity).reduce((sum, r) => sum + r.n, 0),
    })).filter((c) => c.findings > 0);
  return {
    keys: keysByAccount.reduce((sum, a) => sum + a.keys, 0),
    severities: severities(counts),
    accounts: keysByAccount.map((a) => ({
      accountId: a.account_id,
      keys: a.keys,
      severities: severities(counts.filter((c) => c.account_id === a.account_id)),
    })),
    worst: worstKeys.map((keyArn) => ({
      keyArn,
      findings: ofKey.all(deliveryId, keyArn).map(findingFromRow),
    })),
  };
}
