import type { PolicyReport } from '../../core/policy/analyze.js';
import { safe } from '../../core/printable.js';

/** The human format: findings grouped by statement, one line each, severity first; then notices. */
export function formatPolicyReport(report: PolicyReport): string {
  const lines: string[] = [];
  if (report.findings.length === 0) {
    lines.push('No principal outside the trust zone can use this key.');
  } else {
    const byStatement = new Map<string, typeof report.findings>();
    for (const finding of report.findings) {
      byStatement.set(finding.statement, [...(byStatement.get(finding.statement) ?? []), finding]);
    }
    const width = Math.max(...report.findings.map((f) => f.principal.length));
    for (const [statement, findings] of byStatement) {
      lines.push(safe`Statement ${JSON.stringify(statement)}`);
      for (const f of findings) {
        const actions = f.actions.join(', ');
        lines.push(
          safe`  ${f.severity.toUpperCase().padEnd(8)} ${f.principal.padEnd(width)}  ${f.reason}; actions: ${actions}`,
        );
      }
    }
    const outsiders = new Set(report.findings.map((f) => f.principal)).size;
    lines.push('');
    lines.push(
      `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} for ${outsiders} principal${outsiders === 1 ? '' : 's'}` +
        (report.public ? '; the key is PUBLIC.' : '.'),
    );
  }
  if (report.notices.length > 0) {
    lines.push('');
    lines.push('Notices:');
    for (const n of report.notices) lines.push(safe`  [${n.code}] ${JSON.stringify(n.statement)}: ${n.message}`);
  }
  return `${lines.join('\n')}\n`;
}
