import type { ScanPlan } from '../scan-plan.js';

/**
 * Tells the bot's own AWS calls (a remediation, an undo) in an event's `userIdentity.arn`: a session of the role it
 * assumes in the account (the account's roleArn, else the plan's role name) under its session name, or the base
 * credentials' own identity (the home account).
 */
export function ownCallMatcher(
  plan: Pick<ScanPlan, 'accounts' | 'roleName'>,
  sessionName: string,
  baseIdentityArn: () => string | undefined,
): (callerArn: string | undefined) => boolean {
  const roleNames = new Set([plan.roleName, ...(plan.accounts ?? []).flatMap((a) => roleNameOf(a.roleArn))]);
  const session = /^arn:[a-z-]+:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
  return (callerArn) => {
    if (callerArn === undefined) return false;
    if (callerArn === baseIdentityArn()) return true;
    const match = session.exec(callerArn);
    if (match === null || match[3] !== sessionName) return false;
    const account = plan.accounts?.find((a) => a.id === match[1]);
    const role = match[2] as string;
    return account?.roleArn !== undefined ? roleNameOf(account.roleArn).includes(role) : roleNames.has(role);
  };
}

/** An IAM role ARN's name (the last part of its path). */
function roleNameOf(roleArn: string | undefined): string[] {
  if (roleArn === undefined) return [];
  const name = roleArn.split('/').pop();
  return name === undefined ? [] : [name];
}

/** Whether the plan scans this account-region: a listed account (any, with discovery), a listed region. */
export function planCovers(
  plan: Pick<ScanPlan, 'accounts' | 'organization' | 'regions'>,
  homeAccount: () => string | undefined,
): (accountId: string, region: string) => boolean {
  return (accountId, region) => {
    if (plan.regions !== 'all' && !plan.regions.includes(region)) return false;
    if (plan.organization.discover) return true;
    if (plan.accounts === undefined) return accountId === homeAccount();
    return plan.accounts.some((a) => a.id === accountId);
  };
}
