import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fromBuild } from './from-build.js';
import { FOREIGN, scanKeys, scanSummary } from './store.bench.js';

// The record as the CLI and the bot use it (compiled by tsc): changes run on its worker thread.
const { openRecord } = await fromBuild<typeof import('../src/adapters/store/worker/worker-record.js')>(
  'adapters/store/worker/worker-record.js',
);

/** Keys handed to the record at once, as a scan hands them. */
const BATCH = 200;

/** The longest the event loop waited, in ms, while `work` ran; 10 ms resolution. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; maxStallMs: number; seconds: number }> {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  const start = performance.now();
  const value = await work();
  const seconds = Math.round((performance.now() - start) / 10) / 100;
  monitor.disable();
  return { value, maxStallMs: Math.round(monitor.max / 1e6), seconds };
}

/**
 * How long this thread's event loop is held up while a 100,000-key scan is recorded (its keys staged as they are
 * read, then the scan landed as one unit) and while an account is trusted on that record (every stored key judged
 * again). A Slack app must answer within 3 s and keep its Socket Mode connection alive: the target is under 100 ms.
 */
export async function benchStall(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-bench-stall-'));
  try {
    const record = await openRecord(join(dir, 'kms-sentinel.db'), 'create', { configTrust: [] });
    const id = 'scan-1';
    // Keys are made a batch at a time, as a scan reads them: this thread holds no more than a scan would.
    let keys = 0;
    const recording = await longestStall(async () => {
      const now = new Date();
      let batch = [];
      for (const { key } of scanKeys(1)) {
        batch.push(key);
        keys++;
        if (batch.length === BATCH) {
          await record.stageKeys(id, batch, now);
          batch = [];
        }
      }
      if (batch.length > 0) await record.stageKeys(id, batch, now);
      const { scan, errors, coverage } = scanSummary(id, 1, keys);
      return record.commitScan({
        outcome: { scan, errors, coverage, organizationTrust: null },
        startedBy: 'bench',
        now,
        runOnlyTrust: [],
      });
    });
    const trusting = await longestStall(() => record.addTrust(FOREIGN, 'bench', 'bench', new Date()));
    await record.close();
    return {
      part: 'stall',
      keys,
      recordSeconds: recording.seconds,
      recordMaxStallMs: recording.maxStallMs,
      newFindings: recording.value.changes.newFindings,
      trustSeconds: trusting.seconds,
      trustMaxStallMs: trusting.maxStallMs,
      resolvedByTrust: trusting.value.resolved,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
