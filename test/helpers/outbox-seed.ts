import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { botConfig } from './bot.js';
import { keyWith, OWNER, recordScanned, scanOf } from './scan-results.js';

/** The account of the `principal`th principal a seeded key lets in: all distinct, none trusted. */
export const outsider = (key: number, principal: number) => String(300_000_000_000 + key * 1000 + principal);

/**
 * A database with one scan recorded and nothing delivered: `keys` keys in OWNER's account (the prod account of
 * botConfig(), whose alerts go to C0ALERTS), each letting in `principals` outside accounts, so one notification each.
 * Returns the database and a config file beside it.
 */
export function seededDatabase(keys: number, principals: number, configYaml = botConfig()) {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-seeded-'));
  const db = join(dir, 'k.db');
  const config = join(dir, 'k.yml');
  writeFileSync(config, configYaml);
  const store = new SqliteStore(db);
  try {
    const scanned = Array.from({ length: keys }, (_, k) =>
      keyWith(
        `key-${k}`,
        Array.from({ length: principals }, (_, p) => outsider(k, p)),
        'us-east-1',
        OWNER,
      ),
    );
    recordScanned(store, scanOf(scanned, { at: new Date(Date.now() - 60_000) }), 'test', new Date(Date.now() - 60_000));
    const rows = store.outbox(100_000);
    if (rows.length !== keys * principals) throw new Error(`seeded ${rows.length} notifications`);
  } finally {
    store.close();
  }
  return { db, config, dir };
}
