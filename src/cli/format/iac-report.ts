import { keyJudged, shownAccount } from '../../core/iac/judge.js';
import type { IacReport } from '../../core/iac/types.js';
import { safe } from '../../core/printable.js';

/** The human format: what was checked, then per key its findings (severity first) and notices, each with its line. */
export function formatIacReport(report: IacReport): string {
  const lines: string[] = [summaryLine(report)];
  for (const error of report.errors) {
    lines.push('', safe`${where(error.file, error.line)}  cannot be checked: ${error.message} [${error.code}]`);
  }
  for (const n of report.notices) {
    lines.push('', safe`${where(n.file, n.line)}  notice [${n.code}] ${shownAccount(n.message)}`);
  }
  for (const { key, findings, policyNotices } of report.keys) {
    const iacNotices = key.notices;
    if (findings.length === 0 && policyNotices.length === 0 && iacNotices.length === 0) continue;
    const unjudged = keyJudged(key) ? '' : '  could not be judged (see its notices)';
    lines.push('', safe`${where(key.file, key.line)}  ${key.resource} (${key.resourceType})${unjudged}`);
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
  lines.push('', verdictLine(report));
  return `${lines.join('\n')}\n`;
}

/** The verdict, never counting as judged a key that was not, and saying what could not be judged. */
function verdictLine(report: IacReport): string {
  const judged = report.keys.filter((k) => keyJudged(k.key));
  const findings = judged.reduce((sum, k) => sum + k.findings.length, 0);
  const withFindings = judged.filter((k) => k.findings.length > 0).length;
  const gaps: string[] = [];
  const notJudged = report.keys.length - judged.length;
  if (notJudged > 0) gaps.push(`${count(notJudged, 'key')} could not be judged (see notices)`);
  const inPart = judged.filter((k) => k.key.notices.some((n) => n.unjudged)).length;
  if (inPart > 0) gaps.push(`${count(inPart, 'key')} judged only in part (see notices)`);
  const templates = new Set(report.notices.filter((n) => n.unjudged).map((n) => n.file)).size;
  if (templates > 0) gaps.push(`${count(templates, 'template')} may make keys that could not be judged (see notices)`);
  const verdict =
    findings > 0
      ? `${count(findings, 'finding')} in ${count(withFindings, 'key')} of ${judged.length} judged`
      : gaps.length === 0
        ? `No key lets in anyone outside the trust zone (${count(judged.length, 'key')} judged)`
        : `No key that could be judged lets in anyone outside the trust zone (${count(judged.length, 'key')} judged)`;
  return `${[verdict, ...gaps].join('; ')}.`;
}

/** The report as JSON: the same data, lines included; the key's own account stays the 12 zeros it is judged as. */
export function iacJson(report: IacReport) {
  return {
    checked: report.checked,
    skipped: report.skipped,
    notices: report.notices.map((n) => ({ ...n, at: n.at ?? null, line: n.line ?? null })),
    keys: report.keys.map(({ key, findings, policyNotices, public: isPublic }) => ({
      file: key.file,
      resource: key.resource,
      resourceType: key.resourceType,
      account: key.account ?? null,
      line: key.line ?? null,
      judged: keyJudged(key),
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
