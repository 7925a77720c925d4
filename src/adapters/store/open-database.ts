import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SentinelError } from '../../core/errors.js';
import { assertDatabaseFile, assertNotSpecial, ensureFolderOf, entryKind } from './database-path.js';
import { MIGRATIONS } from './migrations.js';
import { BUSY_TIMEOUT_MS, withStoreErrors } from './store-errors.js';

/**
 * `create`: the file (and its folder) is made when missing. `existing`: a missing file is an error, nothing is made.
 * `read`: as `existing`, and nothing is written at all: no schema upgrade, no change of journal mode.
 */
export type OpenMode = 'create' | 'existing' | 'read';

/**
 * Opens the database file: turns on WAL, foreign keys and a busy timeout, and brings the schema up to date. A
 * database written by a newer kms-sentinel is refused, never downgraded. In `create` mode a missing file and its
 * folder are made; in `existing` and `read` mode a missing file is refused (a mistyped path must not read as "all
 * clear"). In `read` mode a file is read as it is, or refused when it is not a current kms-sentinel database.
 */
export function openDatabase(path: string, mode: OpenMode = 'create'): Database.Database {
  return withStoreErrors(path, () => {
    if (path === '') throw new SentinelError('database-unusable', 'an empty path names no database file');
    if (path !== ':memory:') {
      if (mode === 'create') ensureFolderOf(path);
      else assertDatabaseFile(path);
      assertNotSpecial(path);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return mode === 'read' ? openForReading(path) : openOnce(path);
      } catch (error) {
        // Two processes creating one file can meet while it switches to WAL; the busy timeout does not cover that.
        // This blocks the thread for at most 1.8 s in all, and only while opening, at start-up.
        const code = (error as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || attempt === OPEN_ATTEMPTS) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 * attempt);
      }
    }
  });
}

const OPEN_ATTEMPTS = 8;

/**
 * Reads the trust list of a database without writing anything: no schema, no WAL or shared-memory file, no change
 * to the file. Returns undefined when the file holds no kms-sentinel data yet (missing or empty).
 */
export function readTrustEntriesReadOnly(path: string): string[] | undefined {
  return withStoreErrors(path, () => {
    if (entryKind(path) !== 'other') return undefined;
    const db = openWithoutWriting(path);
    try {
      const version = checkVersion(db, path);
      if (version === 0) return undefined;
      return db.prepare<[], string>('SELECT entry FROM trust ORDER BY entry').pluck().all();
    } finally {
      db.close();
    }
  });
}

/**
 * A connection that reads the file and writes nothing beside it. A live WAL (another process has the file open) is
 * read in place; otherwise the file is read into memory, as a read-only connection would leave -wal and -shm files
 * behind.
 */
export function openWithoutWriting(path: string): Database.Database {
  const live = existsSync(`${path}-wal`) && existsSync(`${path}-shm`);
  return live ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(asRollbackImage(path));
}

/** The file's bytes, marked as a rollback-journal database so that SQLite can open them in memory. */
function asRollbackImage(path: string): Buffer {
  const image = readFileSync(path);
  if (image.length >= 20) {
    image[18] = 1;
    image[19] = 1;
  }
  return image;
}

/** Opens a file only to read it: no write of any kind, and only a file at the current schema is read. */
function openForReading(path: string): Database.Database {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    const version = checkVersion(db, path);
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get();
      throw new SentinelError(
        'database-unusable',
        tables === 0
          ? `${path} holds no kms-sentinel data (it is an empty database): nothing has been recorded there`
          : `${path} is an SQLite database of another application (it has tables but no kms-sentinel schema)`,
      );
    }
    if (version < MIGRATIONS.length) {
      throw new SentinelError(
        'database-unusable',
        `${path} was written by an older kms-sentinel (schema ${version}; this one reads ${MIGRATIONS.length}): a command that only reads never upgrades it; a scan or a trust change will`,
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function openOnce(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Key policies are 1-3 KB: on 16 KB pages several share a page instead of one each (a new file only).
    db.pragma('page_size = 16384');
    db.pragma('foreign_keys = ON');
    // A scan's writes stay in a 16 MB page cache before they spill (the write connection lives on the record's worker
    // thread, so a bigger cache would buy speed no caller waits for). Its scratch tables and sorts (one row per key
    // of the organization) get a cache of their own and spill to an unlinked temporary file beyond it, so that
    // recording a larger organization takes no more memory.
    db.pragma('temp_store = FILE');
    db.pragma('cache_size = -16384');
    db.pragma('temp.cache_size = -8192');
    if (path !== ':memory:') {
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL cannot corrupt the file; a power cut may lose only the last transaction.
      db.pragma('synchronous = NORMAL');
    }
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database, path: string): void {
  if (checkVersion(db, path) === MIGRATIONS.length) return;
  // Another process may be migrating the same file: read the version again once the write lock is held.
  db.transaction(() => {
    const version = checkVersion(db, path);
    if (
      version === 0 &&
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() !== 0
    ) {
      throw new SentinelError(
        'database-unusable',
        `${path} is an SQLite database of another application (it has tables but no kms-sentinel schema)`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

function checkVersion(db: Database.Database, path: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SentinelError(
      'database-unusable',
      `${path} has schema version ${version}, but this kms-sentinel knows only up to ${MIGRATIONS.length}: it was written by a newer release; upgrade kms-sentinel (the database was left untouched)`,
    );
  }
  return version;
}
