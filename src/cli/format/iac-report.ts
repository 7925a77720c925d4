import { shownAccount } from '../../core/iac/judge.js';
import type { IacReport } from '../../core/iac/types.js';
import { safe } from '../../core/printable.js';

/** The human format: what was checked, then per key its findings (severity first) and notices, each with its line. */
export function formatIacReport(report: IacReport): string {
  const lines: string[] = [summaryLine(report)];
  for (const error of report.errors) {
    lines.push('', safe`${where(error.file, error.line)}  cannot be checked: ${error.message} [${error.code}]`);
  }
  for (const { key, findings, policyNotices } of report.keys) {
    const iacNotices = key.notices;
    if (findings.length === 0 && policyNotices.length === 0 && iacNotices.length === 0) continue;
    lines.push('', safe`${where(key.file, key.line)}  ${key.resource} (${key.resourceType})`);
    for (const f of findings) {
      lines.push(
        safe`  ${where(key.file, f.line)}  ${f.severity.toUpperCase()} ${shownAccount(f.principal)}  ${shownAccount(f.reason)}; statement ${JSON.stringify(f.statement)}; actions: ${f.actions.join(', ')}`,
      );
    }
    for (const n of iacNotices) {
      lines.push(safe`  ${where(key.file, n.line)}  notice [${n.code}] ${shownAccount(n.message)}`);
    }
    for (const n of policyNotices) {
      lines.push(safe`  ${where(key.file, n.line)}  notice [${n.code}] ${JSON.stringify(n.statement)}: ${n.message}`);
    }
  }
  const findings = report.keys.reduce((sum, k) => sum + k.findings.length, 0);
  const withFindings = report.keys.filter((k) => k.findings.length > 0).length;
  lines.push(
    '',
    findings === 0
      ? `No key lets in anyone outside the trust zone (${count(report.keys.length, 'key')} judged).`
      : `${count(findings, 'finding')} in ${count(withFindings, 'key')} of ${report.keys.length} judged.`,
  );
  return `${lines.join('\n')}\n`;
}

/** The report as JSON: the same data, lines included; the key's own account stays the 12 zeros it is judged as. */
export function iacJson(report: IacReport) {
  return {
    checked: report.checked,
    skipped: report.skipped,
    keys: report.keys.map(({ key, findings, policyNotices, public: isPublic }) => ({
      file: key.file,
      resource: key.resource,
      resourceType: key.resourceType,
      account: key.account ?? null,
      line: key.line ?? null,
      public: isPublic,
      findings: findings.map((f) => ({ ...f, line: f.line ?? null })),
      notices: [
        ...key.notices.map((n) => ({ ...n, at: n.at ?? null, line: n.line ?? null })),
        ...policyNotices.map((n) => ({ ...n, line: n.line ?? null })),
      ],
    })),
    errors: report.errors.map((e) => ({ ...e, line: e.line ?? null })),
  };
}

function summaryLine(report: IacReport): string {
  const templates = report.checked.filter((c) => c.kind === 'cloudformation').length;
  const plans = report.checked.length - templates;
  const parts = [`Checked ${count(report.checked.length, 'file')}`];
  if (report.checked.length > 0) {
    parts[0] += ` (${count(templates, 'CloudFormation template')}, ${count(plans, 'Terraform plan')})`;
  }
  if (report.skipped.length > 0) parts.push(`skipped ${count(report.skipped.length, 'file')} that are neither`);
  if (report.errors.length > 0) parts.push(`${count(report.errors.length, 'could not be checked', '')}`);
  return `${parts.join('; ')}.`;
}

function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

function count(n: number, noun: string, plural = 's'): string {
  if (plural === '') return `${n} ${noun}`;
  return `${n} ${noun}${n === 1 ? '' : plural}`;
}
