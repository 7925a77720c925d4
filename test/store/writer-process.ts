/**
 * A second process writing to a database the test also uses. Forked with IPC by the store tests:
 *   node --import tsx test/store/writer-process.ts MODE DB TAG ACCOUNT
 * It sends 'ready' once loaded, waits for 'go', does its work, sends { done, startedAt, finishedAt } and exits 0
 * (1 with the error on stderr). Modes:
 *   bot      one connection for the whole run, like the long-running bot;
 *   cli      a fresh connection for every operation, like a CLI command;
 *   open     opens the database, adds one trust entry (TAG's base account), closes;
 *   big-scan sends 'recording' and then records one scan of 20,000 keys of ACCOUNT in us-east-1 (to be killed).
 * bot and cli do 100 add/remove pairs of trust entries (TAG's base account + i), record a scan of ACCOUNT's keys
 * after every 20 pairs (TAG-scan-0 .. TAG-scan-4; scan n sees keys 0..n, each shared with FOREIGN), and finally add
 * TAG's base account + 999.
 */
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type { Store } from '../../src/usecases/store-port.js';
import { addTrust, removeTrust } from '../../src/usecases/trust-list.js';
import { recordScanned, scanOf, sharedKey } from '../helpers/scan-results.js';

const [mode, path, tag, account] = process.argv.slice(2) as [string, string, string, string];
const PAIRS = 100;
const SCANS = 5;
const base = tag === 'A' ? 200000000000 : 300000000000;
const actor = `cli:writer-${tag}`;

function work(): void {
  if (mode === 'open') {
    const store = new SqliteStore(path);
    addTrust(store, String(base), null, actor, new Date());
    store.close();
    return;
  }
  const bot = mode === 'bot' ? new SqliteStore(path) : undefined;
  const using = <T>(fn: (store: Store) => T): T => {
    if (bot !== undefined) return fn(bot);
    const store = new SqliteStore(path);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  for (let i = 0; i < PAIRS; i++) {
    if (i % (PAIRS / SCANS) === 0) {
      const n = i / (PAIRS / SCANS);
      const keys = Array.from({ length: n + 1 }, (_, k) => sharedKey(account, `${tag}-key-${k}`));
      using((store) =>
        recordScanned(store, scanOf(keys, { id: `${tag}-scan-${n}`, at: new Date() }), `writer-${tag}`, new Date()),
      );
    }
    using((store) => addTrust(store, String(base + i), `pair ${i}`, actor, new Date()));
    using((store) => removeTrust(store, String(base + i), actor, new Date()));
  }
  using((store) => addTrust(store, String(base + 999), 'kept', actor, new Date()));
  bot?.close();
}

function bigScan(): void {
  const keys = Array.from({ length: 20_000 }, (_, k) => sharedKey(account, `big-${k}`));
  const scan = scanOf(keys, { id: `${tag}-big`, at: new Date() });
  const store = new SqliteStore(path);
  // The callback runs once the message is written: the parent kills this process while the scan is being recorded.
  process.send?.('recording', () => {
    try {
      recordScanned(store, scan, `writer-${tag}`, new Date());
      store.close();
      process.send?.('recorded', () => process.exit(0));
    } catch (error) {
      fail(error);
    }
  });
}

process.on('message', (message) => {
  if (message !== 'go') return;
  try {
    if (mode === 'big-scan') return bigScan();
    const startedAt = Date.now();
    work();
    process.send?.({ done: true, startedAt, finishedAt: Date.now() }, () => process.exit(0));
  } catch (error) {
    fail(error);
  }
});

function fail(error: unknown): never {
  process.stderr.write(`writer ${tag}: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
process.send?.('ready');
