import pLimit from 'p-limit';
import { compareFindings, evaluateKey } from '../core/scan/evaluate-key.js';
import type { KeyFinding, KeyNotice, KeySnapshot } from '../core/scan/types.js';
import { parseTrustEntry, type TrustEntry, trustZone } from '../core/trust.js';
import {
  type AccountSession,
  AwsCallError,
  type AwsPort,
  type CallerIdentity,
  type RegionSession,
} from './aws-port.js';
import type { PlannedAccount, ScanPlan } from './scan-plan.js';

export interface ScanError {
  readonly accountId: string;
  readonly region: string | null;
  readonly keyId: string | null;
  readonly code: string;
  readonly message: string;
}

/** Whether one account (region null) or one account-region was read in full. */
export interface Coverage {
  readonly accountId: string;
  readonly region: string | null;
  readonly complete: boolean;
  /**
   * The region's keys were listed even though it is incomplete: only the keys in `keysUnread` are unknown, so
   * every other key of the region was judged in full.
   */
  readonly listed?: boolean;
  readonly keysUnread?: readonly string[];
}

export interface ScanSummary {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly accounts: number;
  readonly regions: number;
  readonly keys: number;
  readonly customerManagedKeys: number;
  readonly apiCalls: number;
  readonly complete: boolean;
}

export interface ScanResult {
  readonly scan: ScanSummary;
  readonly findings: KeyFinding[];
  readonly errors: ScanError[];
  readonly notices: KeyNotice[];
  readonly keys: KeySnapshot[];
  readonly coverage: Coverage[];
  readonly accountNames: ReadonlyMap<string, string>;
  /**
   * With organization.trustMembers: the entries the organization made trusted (its accounts and its ID), so that
   * the store can keep them; null when not asked for or when the organization could not be listed.
   */
  readonly organizationTrust?: readonly string[] | null;
}

export interface ScanProgress {
  readonly regionsDone: number;
  readonly regionsTotal: number;
  readonly keys: number;
}

export interface ScanDeps {
  readonly aws: AwsPort;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly onProgress?: (progress: ScanProgress) => void;
}

/** Scans every planned account and region, reads each customer-managed key, and judges it against the trust list. */
export async function runScan(plan: ScanPlan, deps: ScanDeps): Promise<ScanResult> {
  const startedAt = deps.now();
  const state = new ScanState();
  const identity = await deps.aws.callerIdentity();
  const { accounts, trusted, organizationTrust } = await resolveAccounts(plan, identity, deps.aws, state);

  const sessions = await Promise.all(accounts.map((account) => openAccount(account, plan, identity, deps.aws, state)));
  const work = (
    await Promise.all(
      sessions.map(async (opened) => {
        if (opened === undefined) return [];
        const regions = await regionsOf(opened.account.id, opened.session, plan, state);
        return regions.map((region) => ({ accountId: opened.account.id, session: opened.session, region }));
      }),
    )
  ).flat();

  const regionLimit = pLimit(plan.concurrency.regions);
  let regionsDone = 0;
  await Promise.all(
    work.map((w) =>
      regionLimit(async () => {
        await scanRegion(w.accountId, w.region, w.session, plan, state);
        regionsDone++;
        deps.onProgress?.({ regionsDone, regionsTotal: work.length, keys: state.keys });
      }),
    ),
  );

  const judged = judgeKeys(state.snapshots, trusted);
  const complete = state.coverage.every((c) => c.complete);
  return {
    scan: {
      id: deps.newId(),
      startedAt: startedAt.toISOString(),
      finishedAt: deps.now().toISOString(),
      accounts: accounts.length,
      regions: new Set(work.map((w) => w.region)).size,
      keys: state.keys,
      customerManagedKeys: state.snapshots.length,
      apiCalls: deps.aws.apiCalls(),
      complete,
    },
    findings: judged.findings,
    errors: state.errors,
    notices: judged.notices,
    keys: state.snapshots,
    coverage: state.coverage,
    accountNames: new Map(accounts.filter((a) => a.name !== undefined).map((a) => [a.id, a.name as string])),
    organizationTrust,
  };
}

/** Judges scanned keys against a trust list: the findings (sorted) and notices. */
export function judgeKeys(
  keys: readonly KeySnapshot[],
  trusted: readonly TrustEntry[],
): { findings: KeyFinding[]; notices: KeyNotice[] } {
  const findings: KeyFinding[] = [];
  const notices: KeyNotice[] = [];
  for (const key of keys) {
    const evaluation = evaluateKey(key, trustZone(key.accountId, trusted));
    findings.push(...evaluation.findings);
    notices.push(...evaluation.notices);
  }
  findings.sort(compareFindings);
  return { findings, notices };
}

/** The same scan judged against another trust list (what the record holds, without one run's --trust). */
export function rejudge(result: ScanResult, trusted: readonly TrustEntry[]): ScanResult {
  return { ...result, ...judgeKeys(result.keys, trusted) };
}

class ScanState {
  keys = 0;
  readonly snapshots: KeySnapshot[] = [];
  readonly errors: ScanError[] = [];
  readonly coverage: Coverage[] = [];

  error(accountId: string, region: string | null, keyId: string | null, code: string, message: string): void {
    this.errors.push({ accountId, region, keyId, code, message });
  }
}

async function resolveAccounts(plan: ScanPlan, identity: CallerIdentity, aws: AwsPort, state: ScanState) {
  const planned = plan.accounts ?? [{ id: identity.account, name: undefined, roleArn: undefined }];
  const accounts: PlannedAccount[] = planned.filter((a, i) => planned.findIndex((b) => b.id === a.id) === i);
  let organizationTrust: string[] | null = null;
  const trusted: TrustEntry[] = [...plan.trusted];
  if (plan.organization.discover || plan.organization.trustMembers) {
    try {
      const members = await aws.organizationAccounts();
      const known = new Set(accounts.map((a) => a.id));
      for (const member of members) {
        if (plan.organization.discover && member.status === 'ACTIVE' && !known.has(member.id)) {
          accounts.push({ id: member.id, name: member.name, roleArn: undefined });
          known.add(member.id);
        }
      }
      if (plan.organization.trustMembers) {
        const orgId = members.find((m) => m.organizationId !== null)?.organizationId;
        organizationTrust = [...members.map((m) => m.id), ...(orgId ? [orgId] : [])];
        trusted.push(...organizationTrust.map(parseTrustEntry));
      }
    } catch (error) {
      const e = asAwsError(error);
      state.error(
        identity.account,
        null,
        null,
        'OrganizationsUnavailable',
        `cannot list the organization's accounts: ${e.message}`,
      );
      state.coverage.push({ accountId: identity.account, region: null, complete: false });
    }
  }
  return { accounts, trusted, organizationTrust };
}

async function openAccount(
  account: PlannedAccount,
  plan: ScanPlan,
  identity: CallerIdentity,
  aws: AwsPort,
  state: ScanState,
) {
  const partition = identity.arn.split(':')[1] ?? 'aws';
  const roleArn =
    account.roleArn ??
    (account.id === identity.account ? undefined : `arn:${partition}:iam::${account.id}:role/${plan.roleName}`);
  try {
    const session = await aws.openAccount({ accountId: account.id, roleArn, externalId: plan.externalId });
    return { account, session };
  } catch (error) {
    const e = asAwsError(error);
    const code = e.code === 'AccessDenied' || e.code === 'AssumeRoleDenied' ? 'AssumeRoleDenied' : e.code;
    state.error(
      account.id,
      null,
      null,
      code,
      `cannot assume ${roleArn}: ${e.message}. Check that the role exists, trusts ${identity.arn} and expects this external ID.`,
    );
    state.coverage.push({ accountId: account.id, region: null, complete: false });
    return undefined;
  }
}

async function regionsOf(
  accountId: string,
  session: AccountSession,
  plan: ScanPlan,
  state: ScanState,
): Promise<readonly string[]> {
  if (plan.regions !== 'all') return plan.regions;
  try {
    return await session.enabledRegions();
  } catch (error) {
    const e = asAwsError(error);
    state.error(
      accountId,
      null,
      null,
      e.code,
      `cannot list the account's enabled regions (ec2:DescribeRegions): ${e.message}`,
    );
    state.coverage.push({ accountId, region: null, complete: false });
    return [];
  }
}

async function scanRegion(
  accountId: string,
  region: string,
  session: AccountSession,
  plan: ScanPlan,
  state: ScanState,
) {
  const signal = AbortSignal.timeout(plan.regionTimeoutMs);
  const rs = session.region(region, signal);
  let complete = true;
  let listed = false;
  const keysUnread: string[] = [];
  try {
    const keyIds = await rs.listKeyIds();
    listed = true;
    state.keys += keyIds.length;
    const aliases = await rs.aliasesByKey().catch((error: unknown) => {
      const e = asAwsError(error);
      state.error(accountId, region, null, 'AliasesUnavailable', `cannot list aliases (kms:ListAliases): ${e.message}`);
      return new Map<string, string[]>();
    });
    const keyLimit = pLimit(plan.concurrency.keys);
    const results = await Promise.all(
      keyIds.map((keyId) => keyLimit(() => readKey(accountId, region, keyId, rs, aliases, state))),
    );
    results.forEach((read, i) => {
      if (!read) keysUnread.push(keyIds[i] as string);
    });
    complete = keysUnread.length === 0;
  } catch (error) {
    const e = asAwsError(error);
    state.error(accountId, region, null, regionErrorCode(e), regionErrorMessage(e, region));
    complete = false;
    listed = false;
  }
  state.coverage.push({ accountId, region, complete, listed, keysUnread });
}

/** Reads one key; returns false when something about it could not be read. Region-wide failures propagate. */
async function readKey(
  accountId: string,
  region: string,
  keyId: string,
  rs: RegionSession,
  aliases: Map<string, string[]>,
  state: ScanState,
): Promise<boolean> {
  let complete = true;
  try {
    const key = await rs.describeKey(keyId);
    if (key.keyManager !== 'CUSTOMER') return true;
    // A key policy may deny the scanner either read: that part of the key stays unknown, the rest is judged.
    const unlessDenied = <T>(read: Promise<T>, code: string, message: (awsMessage: string) => string) =>
      read.catch((error: unknown) => {
        const e = asAwsError(error);
        if (e.code !== 'AccessDenied') throw e;
        state.error(accountId, region, keyId, code, message(e.message));
        complete = false;
        return null;
      });
    const policy = await unlessDenied(
      rs.getKeyPolicy(keyId),
      'KeyPolicyUnreadable',
      (m) =>
        `the key policy does not let the scanner read it (kms:GetKeyPolicy: ${m}); an unreadable key can hide any access: add the scanning role to the key policy`,
    );
    const grants = await unlessDenied(
      rs.listGrants(keyId),
      'GrantsUnreadable',
      (m) => `the scanner may not list this key's grants (kms:ListGrants: ${m})`,
    );
    state.snapshots.push({
      accountId,
      region,
      keyId: key.keyId,
      keyArn: key.keyArn,
      aliases: aliases.get(key.keyId) ?? [],
      keyState: key.keyState,
      multiRegion: key.multiRegion,
      multiRegionKeyType: key.multiRegionKeyType,
      policy,
      grants,
    });
    return complete;
  } catch (error) {
    const e = asAwsError(error);
    if (e.code === 'NotFound') {
      state.error(
        accountId,
        region,
        keyId,
        'KeyVanished',
        `the key was deleted while it was being scanned (${e.message})`,
      );
      return true;
    }
    if (e.code === 'Timeout' || e.code === 'Unreachable' || e.code === 'RegionNotEnabled') throw e;
    // A key policy that shuts the auditor out denies DescribeKey too: the same lock-out.
    state.error(
      accountId,
      region,
      keyId,
      e.code === 'AccessDenied' ? 'KeyPolicyUnreadable' : e.code,
      e.code === 'AccessDenied'
        ? `the key policy shuts the scanner out (kms:DescribeKey: ${e.message}); an unreadable key can hide any access: add the scanning role to the key policy`
        : `cannot read the key: ${e.message}`,
    );
    return false;
  }
}

function regionErrorCode(e: AwsCallError): string {
  if (e.code === 'AccessDenied') return 'RegionAccessDenied';
  return e.code;
}

function regionErrorMessage(e: AwsCallError, region: string): string {
  switch (e.code) {
    case 'RegionNotEnabled':
      return `region ${region} is not enabled for this account (${e.awsCode}); enable it or leave it out of regions:`;
    case 'AccessDenied':
      return `the scanning role may not list keys in ${region} (${e.message}); an SCP or permission boundary may deny it`;
    case 'Timeout':
      return `region ${region} did not answer in time; its keys were not all read (${e.message})`;
    case 'Unreachable':
      return `KMS in ${region} could not be reached; its keys were not all read (${e.message})`;
    default:
      return `cannot scan ${region}: ${e.message}`;
  }
}

function asAwsError(error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  throw error;
}
