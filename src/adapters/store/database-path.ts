import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { messageOf, SentinelError } from '../../core/errors.js';

/**
 * Makes the database's folder, one missing level at a time from the nearest folder that exists, so that a path
 * under a regular file, or under a file system that refuses new folders (/proc), fails at once with its reason.
 */
export function ensureFolderOf(path: string): void {
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
        `cannot use the database ${path}: its folder ${folder} cannot be created (${(Object.hasOwn(FOLDER_ERRORS, code) ? FOLDER_ERRORS[code] : undefined) ?? messageOf(error)}) [${code}]`,
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

/** A missing file or a folder where the database should be is refused (nothing is made). */
export function assertDatabaseFile(path: string): void {
  const kind = entryKind(path);
  if (kind === 'missing' || kind === 'blocked') {
    throw new SentinelError('database-unusable', `there is no database at ${path} (nothing has been recorded there)`, {
      hint: 'no-database-yet',
    });
  }
  if (kind === 'folder')
    throw new SentinelError('database-unusable', `cannot use the database ${path}: it is a folder`);
}

/** A database is a regular file: never a device (`/dev/stdout`), a pipe or a socket. */
export function assertNotSpecial(path: string): void {
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

/** What is at a path; `blocked` when a part of the path before it is a file, so nothing can be there. */
export function entryKind(path: string): 'folder' | 'other' | 'missing' | 'blocked' {
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
