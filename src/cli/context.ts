import { userInfo } from 'node:os';

import { type OpenMode, openReaderFor, openRecordFor } from '../compose.js';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { RecordReader } from '../usecases/store-port.js';
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

/** Runs `work` with the command's database open to change it, and always closes it. */
export async function withRecord<T>(
  config: Config,
  dbFlag: string | undefined,
  mode: Exclude<OpenMode, 'read'>,
  work: (record: RecordPort) => T | Promise<T>,
): Promise<T> {
  const record = await openRecordFor(config, dbFlag, mode);
  try {
    return await work(record);
  } finally {
    await record.close();
  }
}

/** Runs `work` with the command's database open only to read it, and always closes it. */
export async function withReader<T>(
  config: Config,
  dbFlag: string | undefined,
  work: (reader: RecordReader & { readonly path: string }) => T | Promise<T>,
): Promise<T> {
  const reader = await openReaderFor(config, dbFlag);
  try {
    return await work(reader);
  } finally {
    reader.close();
  }
}
