import pLimit from 'p-limit';
import { unlessAborted } from '../abortable.js';
import { type AccountSession, AwsCallError, type AwsPort, type CallerIdentity } from '../aws-port.js';
import { type PlannedAccount, roleArnFor, type ScanPlan } from '../scan-plan.js';
import {
  credentialsFailure,
  organizationFailure,
  regionFix,
  regionWhy,
  roleFailure,
  whyFailed,
} from './aws-failures.js';
import { type DoctorCheck, failed, passed, skipped } from './check.js';

export interface AwsCheckOptions {
  /** How long each step may take: the first calls, and all of one account's checks together. */
  readonly timeoutMs: number;
  /** Accounts checked at once. */
  readonly accountConcurrency: number;
  /** Regions of one account checked at once. */
  readonly regionConcurrency: number;
}

/**
 * The AWS checks: the credentials (sts:GetCallerIdentity), Organizations when the plan discovers or trusts members,
 * then in each configured or discovered account the role (with the external ID) and one kms:ListKeys per region. An
 * account that fails, or hangs past the timeout, fails its own lines only.
 */
export async function awsChecks(plan: ScanPlan, aws: AwsPort, options: AwsCheckOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const wantsOrganization = plan.organization.discover || plan.organization.trustMembers;
  let identity: CallerIdentity;
  try {
    identity = await withDeadline(aws.callerIdentity(), AbortSignal.timeout(options.timeoutMs), options);
    checks.push(passed('aws.credentials', 'AWS credentials', `${identity.arn} (account ${identity.account})`));
  } catch (error) {
    checks.push(credentialsFailure(awsErrorOf(error)));
    if (wantsOrganization) checks.push(skipped('aws.organizations', 'AWS Organizations', 'needs AWS credentials'));
    checks.push(skipped('aws.accounts', 'AWS accounts', 'needs AWS credentials'));
    return checks;
  }

  const planned = plan.accounts ?? [{ id: identity.account, name: undefined, roleArn: undefined }];
  const accounts: PlannedAccount[] = planned.filter((a, i) => planned.findIndex((b) => b.id === a.id) === i);
  if (wantsOrganization) {
    try {
      const members = await withDeadline(aws.organizationAccounts(), AbortSignal.timeout(options.timeoutMs), options);
      const known = new Set(accounts.map((a) => a.id));
      const found = plan.organization.discover ? members.filter((m) => m.status === 'ACTIVE' && !known.has(m.id)) : [];
      accounts.push(...found.map((m) => ({ id: m.id, name: m.name, roleArn: undefined })));
      const organizationId = members.find((m) => m.organizationId !== null)?.organizationId;
      const discovered = plan.organization.discover ? `; ${found.length} more to scan beside the configured` : '';
      checks.push(
        passed(
          'aws.organizations',
          'AWS Organizations',
          `${members.length} accounts${organizationId ? ` in ${organizationId}` : ''}${discovered}`,
        ),
      );
    } catch (error) {
      checks.push(organizationFailure(awsErrorOf(error)));
    }
  }

  const accountLimit = pLimit(options.accountConcurrency);
  const perAccount = await Promise.all(
    accounts.map((account) => accountLimit(() => accountChecks(account, plan, identity, aws, options))),
  );
  checks.push(...perAccount.flat());
  return checks;
}

async function accountChecks(
  account: PlannedAccount,
  plan: ScanPlan,
  identity: CallerIdentity,
  aws: AwsPort,
  options: AwsCheckOptions,
): Promise<DoctorCheck[]> {
  const label =
    account.name === undefined || account.name === account.id ? account.id : `${account.id} (${account.name})`;
  const role = { id: `aws.role:${account.id}`, title: `role in ${label}` };
  const keys = { id: `aws.list-keys:${account.id}`, title: `kms:ListKeys in ${label}` };
  const roleArn = roleArnFor(account, plan, identity);
  // One deadline for everything in the account: a hung account cannot hold doctor up.
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const opening = aws.openAccount({ accountId: account.id, roleArn, externalId: plan.externalId });
  let session: AccountSession;
  try {
    session = await withDeadline(opening, deadline, options);
  } catch (error) {
    // A session that opens after the deadline is let go at once.
    opening.then(
      (late) => late.close(),
      () => undefined,
    );
    return [
      roleFailure(role, account.id, roleArn, identity, plan.externalId, awsErrorOf(error), options),
      skipped(keys.id, keys.title, 'needs the role'),
    ];
  }
  try {
    const assumed =
      roleArn === undefined
        ? passed(role.id, role.title, "the credentials' own account: no role to assume")
        : passed(
            role.id,
            role.title,
            `assumed ${roleArn}${plan.externalId === undefined ? '' : ' with the external ID'}`,
          );
    return [assumed, await listKeysCheck(keys, account.id, roleArn ?? identity.arn, session, plan, deadline, options)];
  } finally {
    session.close();
  }
}

interface RegionFailure {
  readonly region: string;
  readonly error: AwsCallError;
}

async function listKeysCheck(
  check: { id: string; title: string },
  accountId: string,
  principal: string,
  session: AccountSession,
  plan: ScanPlan,
  deadline: AbortSignal,
  options: AwsCheckOptions,
): Promise<DoctorCheck> {
  let regions: readonly string[];
  if (plan.regions === 'all') {
    try {
      regions = await withDeadline(session.enabledRegions(), deadline, options);
    } catch (error) {
      const e = awsErrorOf(error);
      return failed(
        check.id,
        check.title,
        `cannot list the account's enabled regions (ec2:DescribeRegions): ${whyFailed(e, options)}`,
        e.reason === 'Timeout'
          ? `check the network path to EC2, or give doctor more time (--timeout)`
          : `allow ec2:DescribeRegions to ${principal}, or list the regions to scan under regions:`,
      );
    }
  } else {
    regions = plan.regions;
  }
  if (regions.length === 0) return passed(check.id, check.title, 'the account has no enabled regions');
  const regionLimit = pLimit(options.regionConcurrency);
  let keyCount = 0;
  const results = await Promise.all(
    regions.map((region) =>
      regionLimit(async (): Promise<RegionFailure | undefined> => {
        const rs = session.region(region, deadline);
        try {
          // Read before adding: `keyCount += await …` would add to the count as it was before the wait.
          const listed = await withDeadline(rs.listKeyIds(), deadline, options);
          keyCount += listed.length;
          return undefined;
        } catch (error) {
          return { region, error: awsErrorOf(error) };
        } finally {
          rs.close();
        }
      }),
    ),
  );
  const failures = results.filter((r): r is RegionFailure => r !== undefined);
  if (failures.length === 0) {
    const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    return passed(
      check.id,
      check.title,
      `${plural(keyCount, 'key')} listed in ${plural(regions.length, 'region')} (${regions.join(', ')})`,
    );
  }
  const detail = failures.map((f) => `${f.region}: ${regionWhy(f.error, options)}`).join('; ');
  // One fix per way the call failed (a timeout and an unreachable endpoint share a code, not a fix).
  const byReason = new Map<string, RegionFailure[]>();
  for (const f of failures) byReason.set(f.error.reason, [...(byReason.get(f.error.reason) ?? []), f]);
  const fixes = [...byReason.values()].map((group) =>
    regionFix(
      group.map((f) => f.region),
      group[0]?.error as AwsCallError,
      accountId,
      principal,
    ),
  );
  const of = failures.length === regions.length ? 'every region' : `${failures.length} of ${regions.length} regions`;
  return failed(check.id, check.title, `${of} failed: ${detail}`, fixes.join('; '));
}

function withDeadline<T>(work: Promise<T>, deadline: AbortSignal, options: AwsCheckOptions): Promise<T> {
  return unlessAborted(
    work,
    deadline,
    () => new AwsCallError('Timeout', 'DoctorTimeout', `no answer within ${options.timeoutMs / 1000} s`),
  );
}

/** Every failure as an AwsCallError: one the adapter did not classify (a bug) still fails only its own check. */
function awsErrorOf(error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const e = error as { name?: string; message?: string };
  return new AwsCallError('AwsError', e.name ?? 'Error', e.message ?? String(error), { cause: error });
}
