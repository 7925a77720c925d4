import type { AwsPort } from './aws-port.js';
import { runScan, type ScanRun } from './run-scan.js';
import type { ScanPlan } from './scan-plan.js';
import type { ScanOutcome, ScanProgress, ScanSink } from './scan-types.js';

/**
 * Where scans run: on this thread, or on a thread of their own (so that the SDK's work never holds up a bot, and
 * its memory stays bounded). The same scan either way.
 */
export interface ScanRunner {
  run(
    plan: ScanPlan,
    sink: ScanSink,
    run: ScanRun,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<ScanOutcome>;
  /** Gets ready for a scan about to be asked for (a CLI scan), so that it starts sooner; optional. */
  warm?(): void;
  /** Ends the runner's clients and connections (and its thread). */
  close(): Promise<void>;
}

/** Runs scans on this thread, through `aws`. */
export function inThisThread(aws: AwsPort & { close(): void }, now: () => Date): ScanRunner {
  return {
    run: (plan, sink, run, onProgress) => runScan(plan, { aws, now, ...(onProgress ? { onProgress } : {}) }, sink, run),
    close: async () => aws.close(),
  };
}
