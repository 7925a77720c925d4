import { randomUUID } from 'node:crypto';
import { AwsGateway } from './adapters/aws/aws-gateway.js';
import { DEFAULT_KMS_RATES } from './adapters/aws/pacer.js';
import { SqliteStore } from './adapters/store/sqlite-store.js';
import type { Config } from './config/schema.js';
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

/** Opens the database: `--db` when given, else the config's `database:`. */
export function openStore(config: Config, dbFlag: string | undefined): { store: Store; path: string } {
  const path = dbFlag ?? config.database;
  return { store: new SqliteStore(path), path };
}
