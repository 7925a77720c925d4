import type { ScanReport } from '../../usecases/scan-types.js';
import type { Io } from '../io.js';
import { formatScanTable, type ScanRecordSummary } from './scan-table.js';

/**
 * Prints a scan's report and returns how many findings it holds. JSON is written as it is read, one finding at a
 * time, in the layout JSON.stringify(…, null, 2) gives: one object with `scan`, `findings`, `errors`, `notices`
 * and, when recorded, `record`.
 */
export async function printScanReport(
  io: Io,
  format: 'table' | 'json',
  report: ScanReport,
  database: string | undefined,
): Promise<number> {
  const record: ScanRecordSummary | undefined =
    report.record === undefined || database === undefined ? undefined : { database, ...report.record };
  if (format === 'table') {
    const findings = [...report.findings()];
    io.stdout(
      formatScanTable({ ...report, findings, errors: [...report.errors()], notices: [...report.notices()] }, record),
    );
    return findings.length;
  }
  io.stdout(`{\n  "scan": ${indented(report.scan)},\n  "findings": `);
  const findings = await writeArray(io, report.findings());
  io.stdout(',\n  "errors": ');
  await writeArray(io, report.errors());
  io.stdout(',\n  "notices": ');
  await writeArray(io, report.notices());
  if (record !== undefined) io.stdout(`,\n  "record": ${indented(record)}`);
  io.stdout('\n}\n');
  return findings;
}

/** Elements written between waits for the reader to take them (a few hundred KB). */
const DRAIN_EVERY = 200;

/** An array member of the top-level object, one element at a time; returns how many. */
async function writeArray(io: Io, items: Iterable<unknown>): Promise<number> {
  let count = 0;
  for (const item of items) {
    io.stdout(`${count === 0 ? '[\n' : ',\n'}    ${JSON.stringify(item, null, 2).replace(/\n/g, '\n    ')}`);
    count++;
    if (count % DRAIN_EVERY === 0) await io.stdoutDrained?.();
  }
  io.stdout(count === 0 ? '[]' : '\n  ]');
  return count;
}

function indented(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
}
