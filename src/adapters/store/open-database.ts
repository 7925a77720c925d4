import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SentinelError } from '../../core/errors.js';
import { MIGRATIONS } from './migrations.js';

export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (or creates) the database file: creates its folder, turns on WAL, foreign keys and a busy timeout, and brings
 * the schema up to date. A database written by a newer kms-sentinel is refused, never downgraded.
 */
export function openDatabase(path: string): Database.Database {
  return withStoreErrors(path, () => {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 1; ; attempt++) {
      try {
        return openOnce(path);
      } catch (error) {
        // Two processes creating one file can meet while it switches to WAL; the busy timeout does not cover that.
        const code = (error as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || attempt === OPEN_ATTEMPTS) throw error;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50 * attempt);
      }
    }
  });
}

const OPEN_ATTEMPTS = 8;

function openOnce(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Key policies are 1-3 KB: on 16 KB pages several share a page instead of one each (a new file only).
    db.pragma('page_size = 16384');
    db.pragma('foreign_keys = ON');
    // Scratch tables of a scan stay in memory; a large scan's writes stay in a 64 MB page cache before they spill.
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
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
        `${path} is an SQLite database of another application (it has tables but no kms-sentinel schema); point --db or database: at another file`,
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

/** Turns SQLite's failures into one clear message with the file's name; anything else passes through. */
export function withStoreErrors<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw storeError(path, error);
  }
}

/** Failures of the file or the disk, as opposed to errors in the program's own statements (constraints, SQL). */
const OPERATIONAL =
  /^(SQLITE_(READONLY|CORRUPT|NOTADB|FULL|BUSY|LOCKED|CANTOPEN|IOERR|PERM|PROTOCOL|AUTH)|E(ACCES|ROFS|NOSPC|NOENT|NOTDIR|PERM|ISDIR))/;

function storeError(path: string, error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  if (!OPERATIONAL.test(code)) return error;
  const why =
    code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS'
      ? 'it is read-only (check the file and folder permissions)'
      : code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
        ? 'it is not a kms-sentinel database or it is corrupt (restore it from a backup, or move it away to start afresh)'
        : code === 'SQLITE_FULL' || code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
            ? `another process kept it locked for more than ${BUSY_TIMEOUT_MS / 1000} s`
            : code.startsWith('SQLITE_CANTOPEN') || code === 'ENOENT' || code === 'ENOTDIR'
              ? 'it cannot be opened (check that the folder exists and is writable)'
              : (error as Error).message;
  return new SentinelError('database-unusable', `cannot use the database ${path}: ${why} [${code}]`, { cause: error });
}
