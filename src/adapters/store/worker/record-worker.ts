import { parentPort, workerData } from 'node:worker_threads';
import { applyRecordWrite } from '../../../usecases/record-writes.js';
import { importTrust } from '../../../usecases/trust-list.js';
import { toWire } from '../../threads/wire-errors.js';
import { SqliteStore } from '../sqlite-store.js';
import type { Ready, Reply, Request, WorkerStart } from './protocol.js';

/**
 * The record's worker thread: it holds the write connection and runs each change the main thread asks for, one at a
 * time, so that a long transaction (or a wait for another process's lock) never stalls the main thread.
 */
const port = parentPort;
if (port === null) throw new Error('record-worker.ts runs as a worker thread');
const start = workerData as WorkerStart;

let store: SqliteStore | undefined;
try {
  store = new SqliteStore(start.path, start.mode);
  if (start.configTrust.length > 0) importTrust(store, start.configTrust, new Date());
  port.postMessage({ ready: true } satisfies Ready);
} catch (error) {
  store?.close();
  port.postMessage({ ready: false, error: toWire(error) } satisfies Ready);
}

port.on('message', (request: Request) => {
  if (request.op === 'close') {
    store?.close();
    port.postMessage({ id: request.id, ok: true, value: undefined } satisfies Reply);
    port.close();
    return;
  }
  try {
    if (store === undefined) throw new Error('the record did not open');
    const value = applyRecordWrite(store, request.op, request.args);
    port.postMessage({ id: request.id, ok: true, value } satisfies Reply);
  } catch (error) {
    port.postMessage({ id: request.id, ok: false, error: toWire(error) } satisfies Reply);
  }
});
