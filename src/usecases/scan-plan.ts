import type { TrustEntry } from '../core/trust.js';

/** Everything a scan needs to know, resolved from the config file and the command line. */
export interface ScanPlan {
  /** Accounts to scan; undefined means the account of the current credentials. */
  readonly accounts: readonly PlannedAccount[] | undefined;
  readonly roleName: string;
  readonly externalId: string | undefined;
  readonly organization: { readonly discover: boolean; readonly trustMembers: boolean };
  readonly regions: readonly string[] | 'all';
  readonly trusted: readonly TrustEntry[];
  /** How many account-regions are scanned at once, and how many keys within one. */
  readonly concurrency: { readonly regions: number; readonly keys: number };
  /** A region that has not finished by then is abandoned and reported (the scan goes on). */
  readonly regionTimeoutMs: number;
}

export interface PlannedAccount {
  readonly id: string;
  readonly name: string | undefined;
  readonly roleArn: string | undefined;
}

/** Part of a plan: these accounts, these regions (either list empty or absent: all the plan has). */
export interface ScanScope {
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
}

/**
 * A plan narrowed to a scope. Named accounts are scanned exactly (no organization discovery beside them), with the
 * name and role the plan gives them, if any.
 */
export function narrowPlan(plan: ScanPlan, scope: ScanScope | undefined): ScanPlan {
  const accounts = [...new Set(scope?.accounts ?? [])];
  const regions = [...new Set(scope?.regions ?? [])];
  if (accounts.length === 0 && regions.length === 0) return plan;
  const known = new Map((plan.accounts ?? []).map((a) => [a.id, a]));
  return {
    ...plan,
    ...(accounts.length > 0
      ? {
          accounts: accounts.map((id) => known.get(id) ?? { id, name: undefined, roleArn: undefined }),
          organization: { ...plan.organization, discover: false },
        }
      : {}),
    ...(regions.length > 0 ? { regions } : {}),
  };
}

/**
 * Why a scope reaches beyond the plan, or undefined when it stays within it: an account the plan does not list
 * (unless it discovers the organization's), a region its list does not name. A front end that lets anyone scan
 * (the bot) keeps scans to what the config covers.
 */
export function outsidePlan(plan: ScanPlan, scope: ScanScope): string | undefined {
  const listed = new Set((plan.accounts ?? []).map((a) => a.id));
  const account = (scope.accounts ?? []).find((id) => !listed.has(id));
  if (account !== undefined) {
    return plan.accounts === undefined && !plan.organization.discover
      ? `no accounts are configured, so only the credentials' own account is scanned: leave the account out`
      : `account ${account} is not among the configured accounts${plan.organization.discover ? ' (with organization discovery, name a region, or list the account under accounts:)' : ''}`;
  }
  const region = (scope.regions ?? []).find((r) => plan.regions !== 'all' && !plan.regions.includes(r));
  if (region !== undefined) return `region ${region} is not among the configured regions`;
  return undefined;
}

/** The role a scan (or a remediation) assumes in an account: its own, else the plan's role name; none at home. */
export function roleArnFor(
  account: PlannedAccount,
  plan: Pick<ScanPlan, 'roleName'>,
  identity: { account: string; arn: string },
): string | undefined {
  const partition = identity.arn.split(':')[1] ?? 'aws';
  return (
    account.roleArn ??
    (account.id === identity.account ? undefined : `arn:${partition}:iam::${account.id}:role/${plan.roleName}`)
  );
}
