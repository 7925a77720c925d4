import type { Worker } from 'node:worker_threads';
import { SentinelError } from '../../../core/errors.js';
import type { ScanRun } from '../../../usecases/run-scan.js';
import type { ScanPlan } from '../../../usecases/scan-plan.js';
import type { ScanRunner } from '../../../usecases/scan-runner.js';
import type { ScanOutcome, ScanProgress, ScanSink } from '../../../usecases/scan-types.js';
import { startWorker } from '../../threads/start-worker.js';
import { fromWire } from '../../threads/wire-errors.js';
import type { AwsGatewayOptions } from '../aws-gateway.js';
import type { FromScanner, ScannerStart, ToScanner } from './protocol.js';

const THREAD = 'scan worker thread';

/**
 * Scans on a thread of their own, a new one for each scan: the SDK's signing and parsing never hold up the process's
 * own work, the thread's heap is bounded, and whatever a scan held is given back when its thread ends, before the
 * scan is recorded. Without a bound V8 lets a scan's garbage pile up to several times what is live; the bound is set
 * from the scan's concurrency, which is what the live set depends on.
 */
export function scanInWorker(
  gateway: AwsGatewayOptions,
  concurrency: { regions: number; keys: number },
  env: Readonly<Record<string, string | undefined>>,
): ScanRunner {
  const inFlight = concurrency.regions * concurrency.keys;
  const maxOldGenerationSizeMb = Math.min(4096, Math.max(256, 64 + Math.ceil(inFlight / 4)));
  let running: Promise<ScanOutcome> | undefined;
  let closing: Promise<void> | undefined;
  /** A thread started ahead of its scan (warm), and whether it failed while it waited. */
  let spare: { worker: Worker; failed: boolean } | undefined;
  const send = (w: Worker, message: ToScanner) => w.postMessage(message);
  const start = () =>
    startWorker(import.meta.url, 'scan-worker', { gateway } satisfies ScannerStart, {
      resourceLimits: { maxOldGenerationSizeMb },
      env,
    });

  return {
    warm() {
      if (spare !== undefined || running !== undefined || closing !== undefined) return;
      const waiting = { worker: start(), failed: false };
      // It must not keep the process alive, nor crash it, while nothing has asked for a scan.
      waiting.worker.unref();
      waiting.worker.once('error', () => {
        waiting.failed = true;
      });
      spare = waiting;
    },

    run(plan: ScanPlan, sink: ScanSink, run: ScanRun, onProgress?: (progress: ScanProgress) => void) {
      if (closing !== undefined) return Promise.reject(new SentinelError('environment', 'the scanner is closed'));
      if (running !== undefined) {
        return Promise.reject(new SentinelError('environment', 'a scan is already running on this scanner'));
      }
      const warmed = spare;
      spare = undefined;
      if (warmed?.failed) void warmed.worker.terminate();
      const w = warmed === undefined || warmed.failed ? start() : warmed.worker;
      w.ref();
      const scan = new Promise<ScanOutcome>((resolve, reject) => {
        let sinkFailure: { error: unknown } | undefined;
        const onAbort = () => send(w, { type: 'abort' });
        /** Ends the thread, then settles: the scan's memory is given back before anything else happens. */
        const finish = (settle: () => void) => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          run.signal?.removeEventListener('abort', onAbort);
          // The scan is over: nothing on the thread is needed any more, so it is stopped outright.
          void w.terminate().finally(() => {
            running = undefined;
            settle();
          });
        };
        const onMessage = (message: FromScanner) => {
          switch (message.type) {
            case 'begin':
              sink.begin(message.trusted);
              return;
            case 'keys':
              sink.keys(message.batch).then(
                () => send(w, { type: 'taken' }),
                (error: unknown) => {
                  // The record could not take the keys: the scan stops, and fails with the record's reason.
                  sinkFailure ??= { error };
                  send(w, { type: 'abort' });
                },
              );
              return;
            case 'progress':
              onProgress?.(message.progress);
              return;
            case 'done':
              finish(() => (sinkFailure !== undefined ? reject(sinkFailure.error) : resolve(message.outcome)));
              return;
            case 'failed': {
              const error = sinkFailure !== undefined ? sinkFailure.error : fromWire(message.error, THREAD);
              finish(() => reject(error));
              return;
            }
          }
        };
        const onError = (error: Error) => {
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          run.signal?.removeEventListener('abort', onAbort);
          running = undefined;
          void w.terminate();
          const why =
            (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? `it ran out of memory (its heap is capped at ${maxOldGenerationSizeMb} MB); lower scan.keyConcurrency or scan.regionConcurrency`
              : `its thread failed (${error.message})`;
          reject(new SentinelError('environment', `the scan stopped: ${why}; nothing was recorded`, { cause: error }));
        };
        const onExit = (code: number) => onError(new Error(`it exited with code ${code}`));

        w.on('message', onMessage);
        w.once('error', onError);
        w.once('exit', onExit);
        run.signal?.addEventListener('abort', onAbort, { once: true });
        send(w, { type: 'scan', plan, id: run.id, progress: onProgress !== undefined });
        if (run.signal?.aborted) onAbort();
      });
      running = scan;
      return scan;
    },

    /** Waits for the scan under way (abort it first to stop it sooner); later scans are refused. */
    close() {
      closing ??= (async () => {
        const unused = spare;
        spare = undefined;
        await Promise.all([running?.catch(() => undefined), unused?.worker.terminate()]);
      })();
      return closing;
    },
  };
}
