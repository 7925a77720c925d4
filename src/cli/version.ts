import { fileURLToPath } from 'node:url';
import type { Io } from './io.js';

/** The installed package's own package.json (dist/cli/version.js, like src/cli/version.ts, is two folders down). */
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** The version in the package.json installed beside the code, so that it never goes stale. */
export async function packageVersion(io: Pick<Io, 'readFile'>): Promise<string> {
  const { version } = JSON.parse(await io.readFile(PACKAGE_JSON)) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`${PACKAGE_JSON} has no version`);
  return version;
}
