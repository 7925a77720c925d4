import { parentPort, workerData } from 'node:worker_threads';
import type { KeySnapshot } from '../../../core/scan/types.js';
import type { TrustEntry } from '../../../core/trust.js';
import { runScan } from '../../../usecases/run-scan.js';
import type { ScanProgress, ScanSink } from '../../../usecases/scan-types.js';
import { toWire } from '../../threads/wire-errors.js';
import { AwsGateway } from '../aws-gateway.js';
import type { FromScanner, ScannerStart, ToScanner } from './protocol.js';

/**
 * The scan worker thread: it holds the AWS gateway (and so every SDK client and connection) and runs one scan at a
 * time, handing keys to the main thread as they are read and waiting until each batch is taken.
 */
const port = parentPort;
if (port === null) throw new Error('scan-worker.ts runs as a worker thread');
const start = workerData as ScannerStart;
const aws = new AwsGateway(start.gateway);
const post = (message: FromScanner) => port.postMessage(message);

let abort: AbortController | undefined;
let taken: (() => void) | undefined;

port.on('message', (message: ToScanner) => {
  switch (message.type) {
    case 'scan': {
      const controller = new AbortController();
      abort = controller;
      const sink: ScanSink = {
        begin: (trusted: readonly TrustEntry[]) => post({ type: 'begin', trusted }),
        keys: (batch: readonly KeySnapshot[]) =>
          new Promise<void>((resolve) => {
            taken = resolve;
            post({ type: 'keys', batch });
          }),
      };
      const onProgress = message.progress
        ? (progress: ScanProgress) => post({ type: 'progress', progress })
        : undefined;
      runScan(message.plan, { aws, now: () => new Date(), ...(onProgress ? { onProgress } : {}) }, sink, {
        id: message.id,
        signal: controller.signal,
      }).then(
        (outcome) => post({ type: 'done', outcome }),
        (error: unknown) => post({ type: 'failed', error: toWire(error) }),
      );
      return;
    }
    case 'taken':
      taken?.();
      taken = undefined;
      return;
    case 'abort':
      abort?.abort();
      // A batch the main thread will not take any more must not hold the scan.
      taken?.();
      return;
  }
});
