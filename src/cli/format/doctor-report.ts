import { printable } from '../../core/printable.js';
import type { DoctorCheck } from '../../usecases/doctor/check.js';

const MARK = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;

/**
 * The human format: one line per check (`ok   title: detail`, `FAIL title: detail — fix: what to do`,
 * `skip title: why`), then a summary. Everything from outside (AWS's and Slack's messages) is made printable.
 */
export function formatDoctorText(checks: readonly DoctorCheck[]): string {
  const lines = checks.map((c) => {
    const fix = c.status === 'fail' && c.fix !== undefined ? ` — fix: ${oneLine(c.fix)}` : '';
    return `${MARK[c.status]} ${oneLine(c.title)}: ${oneLine(c.detail)}${fix}`;
  });
  const failures = checks.filter((c) => c.status === 'fail').length;
  const skips = checks.filter((c) => c.status === 'skip').length;
  const total = `${checks.length} check${checks.length === 1 ? '' : 's'}`;
  const skippedNote = skips === 0 ? '' : `, ${skips} skipped`;
  lines.push('');
  const passedCount = checks.length - failures - skips;
  lines.push(
    failures > 0
      ? `${failures} of ${total} failed${skippedNote}: fix the FAIL lines and run "kms-sentinel doctor" again.`
      : skips > 0
        ? `${passedCount} of ${total} passed${skippedNote}; none failed.`
        : `All ${total} passed.`,
  );
  return `${lines.join('\n')}\n`;
}

/** The format for scripts: `ok` (no check failed) and every check with its status, `ok`, detail and fix. */
export function formatDoctorJson(checks: readonly DoctorCheck[]): string {
  const out = {
    ok: checks.every((c) => c.status !== 'fail'),
    checks: checks.map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      ok: c.status === 'ok',
      detail: c.detail,
      fix: c.fix ?? null,
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** A detail of several lines (the config's problems, one per line) on one line; unsafe characters escaped. */
function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => printable(line.trim()))
    .filter((line) => line !== '');
  return lines.reduce((out, line, i) => (i === 0 ? line : `${out}${out.endsWith(':') ? ' ' : '; '}${line}`), '');
}
