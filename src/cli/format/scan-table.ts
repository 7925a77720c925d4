import { printable, safe } from '../../core/printable.js';
import type { KeyFinding, KeyNotice } from '../../core/scan/types.js';
import type { FindingChanges, ScanError, ScanSummary } from '../../usecases/scan-types.js';
import { describePrincipal } from './finding-text.js';

/** Where a scan was recorded, and what changed. */
export interface ScanRecordSummary extends FindingChanges {
  readonly database: string;
}

/** A scan's report, read whole: the people format is for people, who read it whole too. */
export interface ScanTable {
  readonly scan: ScanSummary;
  readonly accountNames: ReadonlyMap<string, string>;
  readonly findings: readonly KeyFinding[];
  readonly errors: readonly ScanError[];
  readonly notices: readonly KeyNotice[];
}

/** The people format of a scan: one line per finding, then the errors, then a summary. */
export function formatScanTable(result: ScanTable, record?: ScanRecordSummary): string {
  const lines: string[] = [];
  const { scan, findings, errors } = result;
  if (findings.length === 0) {
    lines.push('No key lets in a principal outside the trust zone.');
  } else {
    const rows = findings.map((f) => [
      f.severity.toUpperCase(),
      accountLabel(f.accountId, result.accountNames),
      f.region,
      f.aliases[0] ?? f.keyId,
      f.keyState,
      f.source === 'grant' ? `grant ${f.grantId ?? ''}` : `policy ${JSON.stringify(f.statement ?? '')}`,
      f.principal,
      f.kind === 'unparseable-policy' ? describePrincipal(f) : f.reason,
    ]);
    const cells = rows.map((row) => row.map(printable));
    lines.push(...table(['SEVERITY', 'ACCOUNT', 'REGION', 'KEY', 'STATE', 'SOURCE', 'PRINCIPAL', 'WHY'], cells));
  }
  if (errors.length > 0) {
    lines.push('', `Errors (${errors.length}):`);
    for (const e of errors) {
      const where = [e.accountId, e.region, e.keyId].filter((x) => x !== null).join(' ');
      lines.push(safe`  ${e.code}  ${where}: ${e.message}`);
    }
  }
  if (result.notices.length > 0) {
    lines.push('', `Notices (${result.notices.length}):`);
    for (const n of result.notices) lines.push(safe`  ${n.code}  ${n.accountId} ${n.region} ${n.keyId}: ${n.message}`);
  }
  const publicKeys = new Set(findings.filter((f) => f.public).map((f) => f.keyArn)).size;
  lines.push(
    '',
    `Scanned ${scan.accounts} account${plural(scan.accounts)} in ${scan.regions} region${plural(scan.regions)}: ` +
      `${scan.keys} keys, ${scan.customerManagedKeys} customer-managed, ${scan.apiCalls} API calls` +
      (scan.throttled > 0 ? ` (${scan.throttled} throttled and retried).` : '.'),
    `${findings.length} finding${plural(findings.length)}` +
      (publicKeys > 0 ? `, ${publicKeys} public key${plural(publicKeys)}` : '') +
      (scan.complete ? '. The scan is complete.' : '. The scan is INCOMPLETE: see the errors above.'),
  );
  if (record !== undefined) {
    lines.push(
      safe`Recorded in ${record.database}: ${record.newFindings} new, ${record.stillOpen} still open, ${record.resolved} resolved.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function accountLabel(id: string, names: ReadonlyMap<string, string>): string {
  const name = names.get(id);
  return name === undefined ? id : `${id} (${name})`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
