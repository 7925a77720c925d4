import { userInfo } from 'node:os';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
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
