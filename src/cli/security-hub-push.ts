import { securityHubFor } from '../compose/security-hub.js';
import type { Config } from '../config/schema.js';
import { SILENT_LOG } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { securityHubLines } from '../usecases/security-hub/hub-lines.js';
import type { Io } from './io.js';

/**
 * After `kms-sentinel scan` recorded a scan, with securityHub.enabled: the push, waited for, and one line on stderr
 * about it (stdout holds the scan's report). A failed push never changes the scan's exit status: it is recorded,
 * and the next scan or re-check pushes again.
 */
export async function pushAfterScan(config: Config, record: RecordPort, io: Io): Promise<void> {
  const hub = securityHubFor(config, record, SILENT_LOG);
  if (hub === undefined) return;
  try {
    hub.wake();
    await hub.idle();
    const report = hub.report();
    const last = report.lastPush;
    const { warnings } = securityHubLines(report);
    if (last !== null && last.error === null && warnings.length === 0) {
      io.stderr(`Security Hub: ${last.pushed} finding(s) pushed, ${last.archived} of them archived.\n`);
    }
    for (const warning of warnings) io.stderr(`kms-sentinel scan: warning: ${warning}\n`);
  } finally {
    await hub.stop();
  }
}
