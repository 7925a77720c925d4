import type { KeySnapshot } from '../../core/scan/types.js';
import { type KeyRow, keyFromRow, storedColumns } from './key-records.js';
import { HOST, isAlive } from './process-liveness.js';
import type { Statements } from './statements.js';

/**
 * Staged keys of a scan that stopped staging this long ago are dropped whatever process it ran in (another machine
 * sharing the file, or a process whose ID was reused): a running scan stages every few seconds.
 */
const STALE_AFTER_MS = 24 * 3600 * 1000;

/** Small pages: a key with tens of thousands of grants is megabytes, and a page is held whole while it is judged. */
const PAGE = 64;

/**
 * Keys a running scan has read, held apart from the record until the scan is recorded as one unit (or abandoned):
 * the scan's process never holds the whole organization in memory, and an unfinished scan changes nothing.
 */
export class Staging {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  stage(scanId: string, keys: readonly KeySnapshot[], at: string): void {
    this.statements
      .sql(
        `INSERT INTO staged_scans (scan_id, host, pid, last_staged_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (scan_id) DO UPDATE SET last_staged_at = excluded.last_staged_at`,
      )
      .run(scanId, HOST, process.pid, at);
    const policy = this.statements.sql('INSERT OR IGNORE INTO staged_policies (scan_id, hash, text) VALUES (?, ?, ?)');
    const key = this.statements.sql(
      `INSERT INTO staged_keys (scan_id, staged_at, key_arn, account_id, region, key_id, aliases, key_state, multi_region, multi_region_key_type, policy_hash, grants, stack)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const k of keys) {
      const stored = storedColumns(k);
      if (stored.policyHash !== null) policy.run(scanId, stored.policyHash, k.policy);
      key.run(
        scanId,
        at,
        k.keyArn,
        k.accountId,
        k.region,
        k.keyId,
        stored.aliases,
        k.keyState,
        k.multiRegion ? 1 : 0,
        k.multiRegionKeyType,
        stored.policyHash,
        stored.grants,
        k.stack ?? null,
      );
    }
  }

  /** A scan's keys in the order they were staged, a page at a time. */
  *pages(scanId: string, guard: <T>(work: () => T) => T): Iterable<readonly KeySnapshot[]> {
    const page = this.statements.sql<[string, number], StagedRow>(
      `SELECT s.*, p.text AS policy FROM staged_keys s
         LEFT JOIN staged_policies p ON p.scan_id = s.scan_id AND p.hash = s.policy_hash
       WHERE s.scan_id = ? AND s.seq > ? ORDER BY s.seq LIMIT ${PAGE}`,
    );
    let after = 0;
    for (;;) {
      const rows = guard(() => page.all(scanId, after));
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      yield rows.map(keyFromRow);
      after = last.seq;
    }
  }

  /** How many keys a scan has staged. */
  count(scanId: string): number {
    return this.statements
      .sql<[string], number>('SELECT count(*) FROM staged_keys WHERE scan_id = ?')
      .pluck()
      .get(scanId) as number;
  }

  /** Drops a scan's staged keys, and those of every scan whose process is gone (killed, crashed) or long silent. */
  discard(scanId: string, now: Date): void {
    const staleBefore = new Date(now.getTime() - STALE_AFTER_MS).toISOString();
    const running = this.statements
      .sql<[], { scan_id: string; host: string; pid: number; last_staged_at: string }>('SELECT * FROM staged_scans')
      .all();
    const dropped = running.filter(
      (s) => s.scan_id === scanId || s.last_staged_at < staleBefore || (s.host === HOST && !isAlive(s.pid)),
    );
    const dropKeys = this.statements.sql('DELETE FROM staged_keys WHERE scan_id = ?');
    const dropScan = this.statements.sql('DELETE FROM staged_scans WHERE scan_id = ?');
    for (const s of [{ scan_id: scanId }, ...dropped]) {
      dropKeys.run(s.scan_id);
      dropScan.run(s.scan_id);
    }
    // Rows staged before scans had owners (or whose owner row is gone) age out the same way.
    this.statements
      .sql('DELETE FROM staged_keys WHERE staged_at < ? AND scan_id NOT IN (SELECT scan_id FROM staged_scans)')
      .run(staleBefore);
    this.statements
      .sql('DELETE FROM staged_policies WHERE scan_id NOT IN (SELECT DISTINCT scan_id FROM staged_keys)')
      .run();
  }
}

/** A staged row: a key row as the keys table holds it, in the order it was staged. */
type StagedRow = KeyRow & { seq: number };
