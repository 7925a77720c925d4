import type { RecordPort } from '../usecases/record-port.js';

/** The last incomplete-scan warning posted: the same failures are not warned about again until they change or clear. */
const LAST_WARNING = 'last-incomplete-warning';

/** The same failures as the last warning, with no complete scan since, are not warned about again. */
export function worthWarning(record: RecordPort, signature: string): boolean {
  const last = record.botState(LAST_WARNING);
  if (last === undefined) return true;
  const { signature: before, at } = JSON.parse(last) as { signature: string; at: string };
  if (before !== signature) return true;
  return record.scans(50).some((s) => s.complete && s.finishedAt > at);
}

export async function rememberWarning(record: RecordPort, signature: string, at: Date): Promise<void> {
  await record.setBotState(LAST_WARNING, JSON.stringify({ signature, at: at.toISOString() }));
}
