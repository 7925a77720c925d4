import { accessSync, constants, existsSync, mkdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SentinelError } from '../../core/errors.js';
import { MIGRATIONS } from './migrations.js';

export const BUSY_TIMEOUT_MS = 10_000;

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
 * Makes the database's folder, one missing level at a time from the nearest folder that exists, so that a path
 * under a regular file, or under a file system that refuses new folders (/proc), fails at once with its reason.
 */
function ensureFolderOf(path: string): void {
  const missing: string[] = [];
  for (let folder = dirname(resolve(path)); ; folder = dirname(folder)) {
    const kind = entryKind(folder);
    if (kind === 'folder') break;
    if (kind === 'other') throw notAFolder(path, folder);
    if (kind === 'blocked') continue;
    missing.push(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      throw new SentinelError(
        'database-unusable',
        `cannot use the database ${path}: its folder ${folder} cannot be created (${(Object.hasOwn(FOLDER_ERRORS, code) ? FOLDER_ERRORS[code] : undefined) ?? (error as Error).message}) [${code}]`,
        { cause: error },
      );
    }
  }
}

const FOLDER_ERRORS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'a read-only file system',
  ENOENT: 'the file system does not allow it',
  ENOSPC: 'the disk is full',
  ENAMETOOLONG: 'the name is too long',
};

function assertDatabaseFile(path: string): void {
  const kind = entryKind(path);
  if (kind === 'missing' || kind === 'blocked') {
    throw new SentinelError('database-unusable', `there is no database at ${path} (nothing has been recorded there)`, {
      hint: 'no-database-yet',
    });
  }
  if (kind === 'folder')
    throw new SentinelError('database-unusable', `cannot use the database ${path}: it is a folder`);
}

/** What is at a path; `blocked` when a part of the path before it is a file, so nothing can be there. */
/** A database is a regular file: never a device (`/dev/stdout`), a pipe or a socket. */
function assertNotSpecial(path: string): void {
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(path);
  } catch {
    return;
  }
  if (!stat.isFile()) {
    throw new SentinelError('database-unusable', `cannot use the database ${path}: it is not a regular file`);
  }
}

function entryKind(path: string): 'folder' | 'other' | 'missing' | 'blocked' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') return 'blocked';
    throw error;
  }
}

function notAFolder(path: string, where: string): SentinelError {
  return new SentinelError(
    'database-unusable',
    `cannot use the database ${path}: ${where} is in its path but is not a folder`,
    { hint: 'choose-database' },
  );
}

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
  /^(SQLITE_(READONLY|CORRUPT|NOTADB|FULL|BUSY|LOCKED|CANTOPEN|IOERR|PERM|PROTOCOL|AUTH)|E(ACCES|ROFS|NOSPC|NOENT|NOTDIR|PERM|ISDIR|EXIST|NAMETOOLONG|LOOP|IO|DQUOT|MLINK))/;

/** Bytes free for this process in a folder's file system; undefined when it cannot be told. */
export type FreeSpace = (folder: string) => number | undefined;

const freeSpace: FreeSpace = (folder) => {
  try {
    const fs = statfsSync(folder);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
};

/**
 * The folder SQLite puts its temporary files in (a scan's scratch tables spill there), found as SQLite's own search
 * does: SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp, /tmp, the current folder: the first that is a folder it may write.
 */
export function sqliteTempFolder(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const candidates = [env.SQLITE_TMPDIR, env.TMPDIR, '/var/tmp', '/usr/tmp', '/tmp', '.'];
  for (const folder of candidates) {
    if (!folder) continue;
    try {
      if (statSync(folder).isDirectory()) {
        accessSync(folder, constants.W_OK | constants.X_OK);
        return folder;
      }
    } catch {
      // Not there, or not writable: SQLite passes it by too.
    }
  }
  return '.';
}

/** Below this, a file system counts as full (SQLite needs room for a page or a journal frame, not for a file). */
const FULL_BELOW = 1024 * 1024;

/** What filled up: the database's folder, or SQLite's temporary folder when only that one is out of room. */
function fullDisk(path: string, free: FreeSpace): string {
  const temp = sqliteTempFolder();
  const tempFree = free(temp);
  const dbFree = free(dirname(resolve(path)));
  if (tempFree !== undefined && tempFree < FULL_BELOW && (dbFree === undefined || dbFree >= FULL_BELOW)) {
    return `SQLite's temporary folder ${temp} is full (a scan's scratch tables spill there): free space there, or set SQLITE_TMPDIR to a folder with room`;
  }
  return 'the disk is full';
}

/** A failure of the file or the disk as a SentinelError naming the file; any other error as it is. */
export function storeError(path: string, error: unknown, free: FreeSpace = freeSpace): unknown {
  const code = (error as { code?: string }).code ?? '';
  if (!OPERATIONAL.test(code)) return error;
  const why =
    code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS'
      ? 'it is read-only (check the file and folder permissions)'
      : code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
        ? 'it is not a kms-sentinel database or it is corrupt (restore it from a backup, or move it away to start afresh)'
        : code === 'SQLITE_FULL' || code === 'ENOSPC'
          ? fullDisk(path, free)
          : code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
            ? `another process kept it locked for more than ${BUSY_TIMEOUT_MS / 1000} s`
            : code.startsWith('SQLITE_CANTOPEN') || code === 'ENOENT' || code === 'ENOTDIR'
              ? 'it cannot be opened (check that the folder exists and is writable)'
              : (error as Error).message;
  return new SentinelError('database-unusable', `cannot use the database ${path}: ${why} [${code}]`, { cause: error });
}
