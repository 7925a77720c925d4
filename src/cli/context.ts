import { userInfo } from 'node:os';

import { type OpenMode, openStore } from '../compose.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../usecases/store-port.js';
import type { Io } from './io.js';
import { readInput } from './read-input.js';

/** Loads the config the usual way (--config, $KMS_SENTINEL_CONFIG, ./kms-sentinel.yml, defaults). */
export async function configFor(flag: string | undefined, io: Io): Promise<Config> {
  const { config } = await loadConfig({
    flag,
    env: io.env,
    exists: io.fileExists,
    readFile: (path) => readInput(path, io.readFile),
  });
  return config;
}

/** Who a CLI change is recorded as: `cli:<user>`. */
export function cliActor(io: Io): string {
  let user = io.env.USER ?? io.env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `cli:${user}`;
}

/** Runs `work` with the command's database open, and always closes it. */
export async function withStore<T>(
  config: Config,
  dbFlag: string | undefined,
  mode: OpenMode,
  work: (store: Store, path: string) => T | Promise<T>,
): Promise<T> {
  const { store, path } = openStore(config, dbFlag, mode);
  try {
    return await work(store, path);
  } finally {
    store.close();
  }
}
