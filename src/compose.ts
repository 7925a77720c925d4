import { randomUUID } from 'node:crypto';
import { AwsGateway } from './adapters/aws/aws-gateway.js';
import { DEFAULT_KMS_RATES } from './adapters/aws/pacer.js';
import { type OpenMode, readTrustEntriesReadOnly } from './adapters/store/open-database.js';
import { SqliteStore } from './adapters/store/sqlite-store.js';
import type { Config } from './config/schema.js';
import { SentinelError } from './core/errors.js';
import type { ScanDeps, ScanProgress } from './usecases/run-scan.js';
import type { Store } from './usecases/store-port.js';

/**
 * The composition root: the one place that turns the validated config and the environment into working parts.
 * Everything else receives what it needs as arguments.
 */
export function composeScan(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  onProgress?: (progress: ScanProgress) => void,
): ScanDeps {
  const aws = new AwsGateway({
    homeRegion: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: config.scan.maxAttempts,
    requestTimeoutMs: config.scan.requestTimeoutSeconds * 1000,
    rates: { ...DEFAULT_KMS_RATES, ...config.scan.rateLimits },
    rateHeadroom: config.scan.rateHeadroom,
    sessionName: 'kms-sentinel',
  });
  return { aws, now: () => new Date(), newId: randomUUID, ...(onProgress ? { onProgress } : {}) };
}

/** The database a command uses: `--db` when given, else the config's `database:`. */
export type { OpenMode };

export function databasePath(config: Config, dbFlag: string | undefined): string {
  if (dbFlag === '' || dbFlag === ':memory:') {
    throw new SentinelError('usage', `--db ${JSON.stringify(dbFlag)} names no file; give the database's path`);
  }
  return dbFlag ?? config.database;
}

/**
 * Opens the database. `create`: made when missing (commands that record). `existing`: a missing file is an error
 * (commands that read, or that change what a scan recorded).
 */
export function openStore(
  config: Config,
  dbFlag: string | undefined,
  mode: OpenMode = 'create',
): { store: Store; path: string } {
  const path = databasePath(config, dbFlag);
  return { store: new SqliteStore(path, mode), path };
}

/** The stored trust list, read without writing to the database at all; undefined when there is none yet. */
export function peekStoredTrust(config: Config, dbFlag: string | undefined): string[] | undefined {
  return readTrustEntriesReadOnly(databasePath(config, dbFlag));
}
