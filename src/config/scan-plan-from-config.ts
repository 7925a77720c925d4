import { parseTrustEntry } from '../core/trust.js';
import type { ScanPlan } from '../usecases/scan-plan.js';
import type { Config } from './schema.js';

/** Settings that override the config file's for one run (the rest of a run's choices are its ScanScope). */
export interface PlanOverrides {
  readonly roleName?: string | undefined;
  readonly externalId?: string | undefined;
}

/** The whole plan the config describes; a scan narrows it with a scope. */
export function scanPlanFrom(config: Config, overrides: PlanOverrides = {}): ScanPlan {
  return {
    accounts: config.accounts?.map((a) => ({ id: a.id, name: a.name, roleArn: a.roleArn })),
    roleName: overrides.roleName ?? config.roleName,
    externalId: overrides.externalId ?? config.externalId,
    organization: config.organization,
    regions: config.regions === 'all' ? 'all' : [...new Set(config.regions)],
    trusted: config.trusted.map(parseTrustEntry),
    concurrency: { regions: config.scan.regionConcurrency, keys: config.scan.keyConcurrency },
    regionTimeoutMs: config.scan.regionTimeoutSeconds * 1000,
  };
}
