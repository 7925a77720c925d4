import { messageOf, SentinelError } from '../core/errors.js';

const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
};

/** Reads a file the user named; any failure becomes one line that names the file and the reason. */
export async function readInput(path: string, read: (path: string) => Promise<string>): Promise<string> {
  try {
    return await read(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const why = WHY[code] ?? messageOf(error);
    throw new SentinelError('unreadable-input', `cannot read ${path}: ${why}`, { cause: error });
  }
}
