import type { RecordedFinding } from './types.js';

/**
 * Findings as CSV (RFC 4180): a header row, CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF
 * (its quotes doubled). A spreadsheet runs a cell that starts with = + - @ TAB or CR as a formula, and a principal,
 * a statement Sid or an acknowledgement reason is text someone else chose: such a cell starts with ' instead, which
 * spreadsheets show as text and never run.
 */
const COLUMNS: readonly (readonly [header: string, value: (f: RecordedFinding) => string | number | boolean | null])[] =
  [
    ['fingerprint', (f) => f.fingerprint],
    ['status', (f) => f.status],
    ['severity', (f) => f.severity],
    ['kind', (f) => f.kind],
    ['account_id', (f) => f.accountId],
    ['region', (f) => f.region],
    ['key_id', (f) => f.keyId],
    ['key_arn', (f) => f.keyArn],
    ['aliases', (f) => f.aliases.join(' ')],
    ['stack', (f) => f.stack ?? null],
    ['source', (f) => f.source],
    ['statement', (f) => f.statement],
    ['grant_id', (f) => f.grantId],
    ['principal', (f) => f.principal],
    ['principal_account', (f) => f.account],
    ['actions', (f) => f.actions.join(' ')],
    ['public', (f) => f.public],
    ['reason', (f) => f.reason],
    ['detail', (f) => f.detail ?? null],
    ['first_seen', (f) => f.firstSeen],
    ['last_seen', (f) => f.lastSeen],
    ['times_seen', (f) => f.timesSeen],
    ['ack_by', (f) => f.ackBy],
    ['ack_reason', (f) => f.ackReason],
    ['ack_until', (f) => f.ackUntil],
    ['resolved_at', (f) => f.resolvedAt],
    ['resolved_cause', (f) => f.resolvedCause],
  ];

export const CSV_HEADER: readonly string[] = COLUMNS.map(([header]) => header);

export function findingsCsv(findings: Iterable<RecordedFinding>): string {
  const lines = [CSV_HEADER.map(csvField)];
  for (const f of findings) lines.push(COLUMNS.map(([, value]) => csvField(value(f))));
  return lines.map((fields) => `${fields.join(',')}\r\n`).join('');
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: empty for null, neutralised when a spreadsheet would run it, quoted when RFC 4180 requires. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
