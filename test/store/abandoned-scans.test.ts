import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { commitScan } from '../../src/usecases/record-scan.js';
import { commitStaged, keyWith, STRANGER, scanOf } from '../helpers/scan-results.js';

const abandoned = suite('store: what a scan that died left behind is cleared');
const ROOT = new URL('../..', import.meta.url).pathname;
const now = new Date('2026-11-20T10:00:00Z');

/** Stages keys for a scan in another process that then dies without recording or discarding it. */
function stageAndDie(db: string, scanId: string, keys: number): void {
  const script = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-stager-')), 'stage.ts');
  writeFileSync(
    script,
    `import { SqliteStore } from ${JSON.stringify(join(ROOT, 'src/adapters/store/sqlite-store.ts'))};
     import { keyWith } from ${JSON.stringify(join(ROOT, 'test/helpers/scan-results.ts'))};
     const store = new SqliteStore(process.argv[2]);
     store.stageKeys(process.argv[3], Array.from({ length: Number(process.argv[4]) }, (_, i) => keyWith('staged-' + i, [])), new Date());
     process.kill(process.pid, 'SIGKILL');`,
  );
  try {
    execFileSync(process.execPath, ['--import', 'tsx', script, db, scanId, String(keys)], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    if ((error as { signal?: string }).signal !== 'SIGKILL') throw error;
  }
}

/** What the file holds staged, read by a connection of its own. */
function stagedCount(db: string): number {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare('SELECT count(*) FROM staged_keys').pluck().get() as number;
  } finally {
    raw.close();
  }
}

abandoned('the keys a killed scan staged are dropped when the next scan ends, and nothing of them lands', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-abandoned-')), 'k.db');
  stageAndDie(db, 'scan-killed', 300);
  const store = new SqliteStore(db);
  try {
    assert.is(stagedCount(db), 300, 'the killed scan left its staged keys');
    commitStaged(store, scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-next', at: now }), { now });
    assert.is(stagedCount(db), 0, 'the next scan dropped them');
    assert.equal(
      [...store.storedKeys()].map((k) => k.keyId),
      ['key-a'],
    );
  } finally {
    store.close();
  }
});

abandoned('a scan still running in this process keeps its staged keys when another scan ends', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-abandoned-')), 'k.db');
  const store = new SqliteStore(db);
  try {
    store.stageKeys('scan-running', [keyWith('key-b', [STRANGER])], now);
    commitStaged(store, scanOf([keyWith('key-a', [])], { id: 'scan-short', at: now }), { now });
    assert.is(stagedCount(db), 1, 'the running scan keeps what it staged');
  } finally {
    store.close();
  }
});

abandoned('a scan whose staged keys went missing records nothing, rather than every finding as no longer seen', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-abandoned-')), 'k.db');
  const store = new SqliteStore(db);
  try {
    commitStaged(store, scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-1', at: now }), { now });
    const later = new Date(now.getTime() + 3600_000);
    const next = scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-2', at: later });
    // Its staged rows were taken away (another process took the scan for a dead one) before it could land.
    assert.throws(
      () =>
        commitScan(store, {
          outcome: { ...next, organizationTrust: null },
          startedBy: 'test',
          now: later,
          runOnlyTrust: [],
        }),
      /the scan read 1 keys but 0 are staged/,
    );
    assert.equal(
      store.findings({ status: 'open', accountId: undefined }, later).map((f) => f.keyId),
      ['key-a'],
      'the finding stays open',
    );
  } finally {
    store.close();
  }
});

abandoned.run();
