import { createHash } from 'node:crypto';
import { type GrantEntry, type KeySnapshot, stackField } from '../../core/scan/types.js';
import type { Coverage } from '../../usecases/scan-types.js';
import type { Statements } from './statements.js';

/** The keys as last read: their state, policy (stored once per distinct text) and grants. */
export class KeyRecords {
  private readonly statements: Statements;
  private readonly guard: <T>(work: () => T) => T;
  private policiesReplaced = false;
  private known = false;

  constructor(statements: Statements, guard: <T>(work: () => T) => T) {
    this.statements = statements;
    this.guard = guard;
  }

  /** Starts a scan's saving: which keys it saw, and whether any known key got a new policy, start afresh. */
  beginSave(): void {
    this.statements.db.exec('CREATE TEMP TABLE IF NOT EXISTS present (key_arn TEXT PRIMARY KEY); DELETE FROM present;');
    // Orphaned policy texts appear only when a known key gets a new policy (or a key is forgotten).
    this.known = (this.statements.sql('SELECT count(*) AS n FROM keys').get() as { n: number }).n > 0;
    this.policiesReplaced = false;
  }

  /**
   * Stores each key as read; a row is rewritten only when something about the key changed. A policy or grants that
   * could not be read this time keep their last known value, and so does its stack when this reading knows none (the
   * stack's tag never changes; see CFN_STACK_TAG). Policies are stored once per distinct text.
   */
  save(keys: readonly KeySnapshot[], at: string, source: KeyReadSource = 'scan'): void {
    const present = this.statements.sql('INSERT OR IGNORE INTO present (key_arn) VALUES (?)');
    const savePolicy = this.statements.sql('INSERT OR IGNORE INTO policies (hash, text) VALUES (?, ?)');
    const saveKey = this.statements.sql(
      `INSERT INTO keys (key_arn, account_id, region, key_id, aliases, key_state, multi_region, multi_region_key_type, policy_hash, grants, first_seen, changed_at, access_changed_by, stack)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key_arn) DO UPDATE SET aliases = excluded.aliases, key_state = excluded.key_state,
         multi_region = excluded.multi_region, multi_region_key_type = excluded.multi_region_key_type,
         policy_hash = COALESCE(excluded.policy_hash, keys.policy_hash), grants = COALESCE(excluded.grants, keys.grants),
         stack = COALESCE(excluded.stack, keys.stack), changed_at = excluded.changed_at,
         access_changed_at = CASE WHEN ${ACCESS_CHANGED} THEN excluded.changed_at ELSE keys.access_changed_at END,
         access_changed_by = CASE WHEN ${ACCESS_CHANGED} THEN excluded.access_changed_by ELSE keys.access_changed_by END
       WHERE keys.aliases IS NOT excluded.aliases OR keys.key_state IS NOT excluded.key_state
         OR keys.multi_region IS NOT excluded.multi_region OR keys.multi_region_key_type IS NOT excluded.multi_region_key_type
         OR (excluded.policy_hash IS NOT NULL AND keys.policy_hash IS NOT excluded.policy_hash)
         OR (excluded.grants IS NOT NULL AND keys.grants IS NOT excluded.grants)
         OR (excluded.stack IS NOT NULL AND keys.stack IS NOT excluded.stack)`,
    );
    for (const key of keys) {
      const stored = storedColumns(key);
      if (stored.policyHash !== null && savePolicy.run(stored.policyHash, key.policy).changes > 0 && this.known)
        this.policiesReplaced = true;
      present.run(key.keyArn);
      saveKey.run(
        key.keyArn,
        key.accountId,
        key.region,
        key.keyId,
        stored.aliases,
        key.keyState,
        key.multiRegion ? 1 : 0,
        key.multiRegionKeyType,
        stored.policyHash,
        stored.grants,
        at,
        at,
        source,
        key.stack ?? null,
      );
    }
  }

  /**
   * Stores one key as it now is, outside any scan: read back after a remediation wrote it (`readAt` is then `at`), or
   * read again for an event (`readAt` is when that read began).
   */
  replace(key: KeySnapshot, at: string, read: { readAt: string; source: KeyReadSource | 'remediation' }): void {
    this.beginSave();
    this.save([key], at, read.source === 'event' ? 'event' : 'scan');
    // A scan that started before this and lands after it holds an older reading of the key: it must not win.
    this.statements
      .sql('UPDATE keys SET replaced_at = ?, read_source = ? WHERE key_arn = ?')
      .run(read.readAt, read.source, key.keyArn);
  }

  /**
   * Why a reading of a key that began at `readAt` is older than what the record holds, if it is: the key was written
   * since by a read that began later (an event's, a remediation's), or a scan that began reading its account-region
   * later has landed.
   */
  newerReading(key: { keyArn: string; accountId: string; region: string }, readAt: string): string | undefined {
    const replaced = this.statements
      .sql<[string, string], { replaced_at: string; read_source: string | null }>(
        'SELECT replaced_at, read_source FROM keys WHERE key_arn = ? AND replaced_at > ?',
      )
      .get(key.keyArn, readAt);
    if (replaced !== undefined) {
      return `the key was read again from ${replaced.replaced_at} (${replaced.read_source === 'event' ? 'for a later event' : 'after a remediation'})`;
    }
    const scan = this.statements
      .sql<[string, string, string], { scan_id: string; read_at: string }>(
        'SELECT scan_id, read_at FROM region_reads WHERE account_id = ? AND region = ? AND read_at > ?',
      )
      .get(key.accountId, key.region, readAt);
    return scan === undefined
      ? undefined
      : `scan ${scan.scan_id} read its account and region later (from ${scan.read_at})`;
  }

  one(keyArn: string): KeySnapshot | undefined {
    const row = this.statements
      .sql<[string], KeyRow>(
        'SELECT k.*, p.text AS policy FROM keys k LEFT JOIN policies p ON p.hash = k.policy_hash WHERE k.key_arn = ?',
      )
      .get(keyArn);
    return row === undefined ? undefined : keyFromRow(row);
  }

  /**
   * Which account-regions the scan read in full (or listed in full, less the keys it could not read): only there may
   * findings resolve and keys be forgotten.
   */
  markCoverage(coverage: readonly Coverage[]): void {
    this.statements.db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS covered (account_id TEXT, region TEXT, PRIMARY KEY (account_id, region)); DELETE FROM covered;
       CREATE TEMP TABLE IF NOT EXISTS unread (account_id TEXT, region TEXT, key_id TEXT, PRIMARY KEY (account_id, region, key_id)); DELETE FROM unread;`,
    );
    const cover = this.statements.sql('INSERT OR IGNORE INTO covered (account_id, region) VALUES (?, ?)');
    const unread = this.statements.sql('INSERT OR IGNORE INTO unread (account_id, region, key_id) VALUES (?, ?, ?)');
    for (const c of coverage) {
      if (c.region === null || !(c.complete || c.listed === true)) continue;
      cover.run(c.accountId, c.region);
      for (const keyId of c.keysUnread ?? []) unread.run(c.accountId, c.region, keyId);
    }
  }

  /** Forgets keys gone from a region the scan listed in full (deleted keys), and policies no key uses any more. */
  forgetVanished(): void {
    const { changes } = this.statements
      .sql(
        `DELETE FROM keys WHERE (account_id, region) IN (SELECT account_id, region FROM covered)
         AND key_arn NOT IN (SELECT key_arn FROM present)
         AND (account_id, region, key_id) NOT IN (SELECT account_id, region, key_id FROM unread)`,
      )
      .run();
    if (changes > 0 || this.policiesReplaced) {
      this.statements
        .sql('DELETE FROM policies WHERE NOT EXISTS (SELECT 1 FROM keys WHERE keys.policy_hash = policies.hash)')
        .run();
    }
  }

  /** Pages through the keys, so that the caller may write between pages (SQLite allows no write mid-iteration). */
  *all(): Iterable<KeySnapshot> {
    const page = this.statements.sql<[string], KeyRow>(
      `SELECT k.*, p.text AS policy FROM keys k LEFT JOIN policies p ON p.hash = k.policy_hash
       WHERE k.key_arn > ? ORDER BY k.key_arn LIMIT 500`,
    );
    let after = '';
    for (;;) {
      const rows = this.guard(() => page.all(after));
      for (const row of rows) yield keyFromRow(row);
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      after = last.key_arn;
    }
  }
}

/** Which kind of read wrote a key's row: a scan's, or one an event asked for. */
export type KeyReadSource = 'scan' | 'event';

/** The stored key's policy or grants differ from the reading being saved (what was not read keeps its value). */
const ACCESS_CHANGED = `((excluded.policy_hash IS NOT NULL AND keys.policy_hash IS NOT excluded.policy_hash)
  OR (excluded.grants IS NOT NULL AND keys.grants IS NOT excluded.grants))`;

/** The name a policy text is stored under. */
export function policyHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Marks one more key as unread (the engine could not judge it): its findings stand. */
export function markUnread(statements: Statements, key: { accountId: string; region: string; keyId: string }): void {
  statements
    .sql('INSERT OR IGNORE INTO unread (account_id, region, key_id) VALUES (?, ?, ?)')
    .run(key.accountId, key.region, key.keyId);
}

export interface KeyRow {
  key_arn: string;
  account_id: string;
  region: string;
  key_id: string;
  aliases: string;
  key_state: string;
  multi_region: number;
  multi_region_key_type: string | null;
  policy_hash: string | null;
  policy: string | null;
  grants: string | null;
  stack: string | null;
}

/**
 * The columns a key is stored with, for keys read back from a row: a staged key is saved as it was staged, without
 * hashing its policy or encoding its grants again.
 */
const columnsOf = new WeakMap<KeySnapshot, StoredColumns>();

interface StoredColumns {
  readonly aliases: string;
  readonly policyHash: string | null;
  readonly grants: string | null;
}

export function storedColumns(key: KeySnapshot): StoredColumns {
  return (
    columnsOf.get(key) ?? {
      aliases: JSON.stringify(key.aliases),
      policyHash: key.policy === null ? null : policyHash(key.policy),
      grants: key.grants === null ? null : JSON.stringify(key.grants),
    }
  );
}

export function keyFromRow(row: KeyRow): KeySnapshot {
  const key = readKeyRow(row);
  columnsOf.set(key, {
    aliases: row.aliases,
    policyHash: row.policy === null ? null : row.policy_hash,
    grants: row.grants,
  });
  return key;
}

function readKeyRow(row: KeyRow): KeySnapshot {
  return {
    accountId: row.account_id,
    region: row.region,
    keyId: row.key_id,
    keyArn: row.key_arn,
    aliases: JSON.parse(row.aliases) as string[],
    keyState: row.key_state,
    multiRegion: row.multi_region === 1,
    multiRegionKeyType: row.multi_region_key_type,
    policy: row.policy,
    grants: row.grants === null ? null : (JSON.parse(row.grants) as GrantEntry[]),
    ...stackField(row.stack),
  };
}
