import { parseTrustEntry } from '../core/trust.js';
import type { PlannedAccount, ScanPlan } from '../usecases/scan-plan.js';
import type { Config } from './schema.js';

/** Command-line settings that override the config file for one run. */
export interface ScanOverrides {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly roleName: string | undefined;
  readonly externalId: string | undefined;
  readonly trust: readonly string[];
}

export function scanPlanFrom(config: Config, overrides: ScanOverrides): ScanPlan {
  const configured = new Map((config.accounts ?? []).map((a) => [a.id, a]));
  const accounts: PlannedAccount[] | undefined =
    overrides.accounts.length > 0
      ? overrides.accounts.map((id) => ({ id, name: configured.get(id)?.name, roleArn: configured.get(id)?.roleArn }))
      : config.accounts?.map((a) => ({ id: a.id, name: a.name, roleArn: a.roleArn }));
  const regions = overrides.regions.length > 0 ? overrides.regions : config.regions;
  return {
    accounts,
    roleName: overrides.roleName ?? config.roleName,
    externalId: overrides.externalId ?? config.externalId,
    // --account names exactly what to scan: no discovery beside it.
    organization: { ...config.organization, discover: config.organization.discover && overrides.accounts.length === 0 },
    regions: regions === 'all' ? 'all' : [...new Set(regions)],
    trusted: [...config.trusted, ...overrides.trust].map(parseTrustEntry),
    concurrency: { regions: config.scan.regionConcurrency, keys: config.scan.keyConcurrency },
    regionTimeoutMs: config.scan.regionTimeoutSeconds * 1000,
  };
}
