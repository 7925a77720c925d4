import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { messageOf, SentinelError } from '../../core/errors.js';

export const BUSY_TIMEOUT_MS = 10_000;

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
              : messageOf(error);
  return new SentinelError('database-unusable', `cannot use the database ${path}: ${why} [${code}]`, { cause: error });
}
