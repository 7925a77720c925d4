import type { Config } from '../config/schema.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { PushSettings } from '../usecases/security-hub/push.js';
import { SecurityHubSync } from '../usecases/security-hub/sync.js';
import { systemSleep } from './system-sleep.js';

/** Attempts per BatchImportFindings call inside the SDK (throttling, server errors), before the push's own retries. */
const SDK_ATTEMPTS = 3;

/** The time the push reads and waits on between retries (tests move it; the system's by default). */
export interface HubClock {
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * The push to Security Hub (config.securityHub), when it is enabled: the record, a log, and the AWS adapter, loaded
 * and connected on the first push.
 */
export function securityHubFor(
  config: Config,
  record: RecordPort,
  log: Log,
  clock?: HubClock,
  settings?: PushSettings,
): SecurityHubSync | undefined {
  if (!config.securityHub.enabled) return undefined;
  const region = config.securityHub.region;
  return new SecurityHubSync({
    record,
    log,
    region,
    now: clock?.now ?? (() => new Date()),
    sleep: clock?.sleep ?? systemSleep,
    ...(settings === undefined ? {} : { settings }),
    connect: async () => {
      const { AwsSecurityHub } = await import('../adapters/aws/security-hub.js');
      return new AwsSecurityHub({
        region,
        requestTimeoutMs: config.scan.requestTimeoutSeconds * 1000,
        maxAttempts: SDK_ATTEMPTS,
      });
    },
  });
}
