import pLimit from 'p-limit';
import type { KeySnapshot } from '../core/scan/types.js';
import { parseTrustEntry, type TrustEntry } from '../core/trust.js';
import { unlessAborted } from './abortable.js';
import type { AccountSession, AwsPort, CallerIdentity } from './aws-port.js';
import { assumeRoleError, organizationError, regionsListError, type ScanError } from './scan-errors.js';
import { type PlannedAccount, roleArnFor, type ScanPlan } from './scan-plan.js';
import { asAwsError, scanRegion } from './scan-region.js';
import type { Coverage, ScanOutcome, ScanProgress, ScanSink } from './scan-types.js';

export interface ScanDeps {
  readonly aws: AwsPort;
  readonly now: () => Date;
  readonly onProgress?: (progress: ScanProgress) => void;
}

export interface ScanRun {
  /** The scan's ID, chosen by the caller so that what the sink stages can be named before the scan ends. */
  readonly id: string;
  /** Aborting stops the scan as soon as the requests in flight return; the scan then rejects with ScanAborted. */
  readonly signal?: AbortSignal | undefined;
}

/** A scan stopped on purpose (a signal, a shutdown): nothing of it may be recorded. */
export class ScanAborted extends Error {
  constructor() {
    super('the scan was stopped before it finished; nothing of it was recorded');
    this.name = 'ScanAborted';
  }
}

/** Keys handed to the sink at once: small enough that memory depends on concurrency, not on the organization. */
const BATCH = 200;
/**
 * A batch is also sent once its keys are this large (their policies and grants, roughly), so that keys with many
 * grants never pile up in memory: a key may hold 50,000 grants.
 */
const BATCH_BYTES = 2_000_000;
const GRANT_BYTES = 400;

function sizeOf(key: KeySnapshot): number {
  return 500 + (key.policy?.length ?? 0) + (key.grants?.length ?? 0) * GRANT_BYTES;
}

/**
 * Scans every planned account and region and reads each customer-managed key, handing the keys to `sink` as they
 * are read; returns what was covered and what failed.
 */
export async function runScan(plan: ScanPlan, deps: ScanDeps, sink: ScanSink, run: ScanRun): Promise<ScanOutcome> {
  const { signal } = run;
  const startedAt = deps.now();
  const errors: ScanError[] = [];
  const coverage: Coverage[] = [];
  const aborted = () => new ScanAborted();
  const stopIfAborted = () => {
    if (signal?.aborted) throw new ScanAborted();
  };
  stopIfAborted();
  const identity = await unlessAborted(deps.aws.callerIdentity(), signal, aborted);
  const { accounts, trusted, organizationTrust } = await unlessAborted(
    resolveAccounts(plan, identity, deps.aws, errors, coverage),
    signal,
    aborted,
  );
  sink.begin(trusted);

  const opening = Promise.all(
    accounts.map((account) => openAccount(account, plan, identity, deps.aws, errors, coverage)),
  );
  // Sessions opened after an abort are still closed once they arrive.
  const sessions = await unlessAborted(opening, signal, aborted).catch((error: unknown) => {
    void opening.then((opened) => {
      for (const o of opened) o?.session.close();
    });
    throw error;
  });
  try {
    stopIfAborted();
    const work = (
      await unlessAborted(
        Promise.all(
          sessions.map(async (opened) => {
            if (opened === undefined) return [];
            const regions = await regionsOf(opened.account.id, opened.session, plan, errors, coverage);
            return regions.map((region) => ({ accountId: opened.account.id, session: opened.session, region }));
          }),
        ),
        signal,
        aborted,
      )
    ).flat();

    const batcher = new KeyBatcher(sink);
    let keys = 0;
    let regionsDone = 0;
    const reader = {
      partition: identity.arn.split(':')[1] ?? 'aws',
      keyConcurrency: plan.concurrency.keys,
      error: (error: ScanError) => errors.push(error),
      key: (snapshot: KeySnapshot) => batcher.add(snapshot),
      counted: (n: number) => {
        keys += n;
      },
    };
    const regionLimit = pLimit(plan.concurrency.regions);
    await Promise.all(
      work.map((w) =>
        regionLimit(async () => {
          if (signal?.aborted) return;
          const deadline = AbortSignal.timeout(plan.regionTimeoutMs);
          const regionSignal = signal === undefined ? deadline : AbortSignal.any([deadline, signal]);
          const rs = w.session.region(w.region, regionSignal);
          try {
            const readFrom = deps.now().toISOString();
            coverage.push({ ...(await scanRegion(w.accountId, w.region, rs, reader)), readFrom });
          } finally {
            rs.close();
          }
          regionsDone++;
          deps.onProgress?.({ regionsDone, regionsTotal: work.length, keys });
        }),
      ),
    );
    await batcher.flush();
    stopIfAborted();
    const customerManagedKeys = batcher.total;
    return {
      scan: {
        id: run.id,
        startedAt: startedAt.toISOString(),
        finishedAt: deps.now().toISOString(),
        accounts: accounts.length,
        regions: new Set(work.map((w) => w.region)).size,
        keys,
        customerManagedKeys,
        apiCalls: deps.aws.apiCalls(),
        throttled: deps.aws.throttledCalls(),
        complete: coverage.every((c) => c.complete),
      },
      errors,
      coverage,
      accountNames: new Map(accounts.filter((a) => a.name !== undefined).map((a) => [a.id, a.name as string])),
      organizationTrust,
    };
  } finally {
    for (const opened of sessions) opened?.session.close();
  }
}

/**
 * Gathers keys into batches for the sink. While a batch is on its way, readers wait before adding to the next full
 * one, so that at most two batches (and the keys being read) are held, however fast keys arrive.
 */
class KeyBatcher {
  private batch: KeySnapshot[] = [];
  private bytes = 0;
  private sending: Promise<void> = Promise.resolve();
  private inFlight = 0;
  total = 0;
  private readonly sink: ScanSink;

  constructor(sink: ScanSink) {
    this.sink = sink;
  }

  async add(key: KeySnapshot): Promise<void> {
    this.batch.push(key);
    this.bytes += sizeOf(key);
    this.total++;
    if (this.batch.length >= BATCH || this.bytes >= BATCH_BYTES) this.send();
    if (this.inFlight > 1) await this.sending;
  }

  /** Sends what is gathered and waits until every batch has been taken. */
  async flush(): Promise<void> {
    this.send();
    await this.sending;
  }

  private send(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.bytes = 0;
    this.inFlight++;
    this.sending = this.sending
      .then(() => this.sink.keys(batch))
      .finally(() => {
        this.inFlight--;
      });
    // A sink that fails (a full disk, say) fails the scan where it is awaited, never as a stray rejection.
    this.sending.catch(() => undefined);
  }
}

async function resolveAccounts(
  plan: ScanPlan,
  identity: CallerIdentity,
  aws: AwsPort,
  errors: ScanError[],
  coverage: Coverage[],
) {
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
      errors.push(organizationError(identity.account, asAwsError(error)));
      coverage.push({ accountId: identity.account, region: null, complete: false });
    }
  }
  return { accounts, trusted, organizationTrust };
}

async function openAccount(
  account: PlannedAccount,
  plan: ScanPlan,
  identity: CallerIdentity,
  aws: AwsPort,
  errors: ScanError[],
  coverage: Coverage[],
) {
  const roleArn = roleArnFor(account, plan, identity);
  try {
    const session = await aws.openAccount({ accountId: account.id, roleArn, externalId: plan.externalId });
    return { account, session };
  } catch (error) {
    errors.push(assumeRoleError(account.id, roleArn, identity.arn, asAwsError(error)));
    coverage.push({ accountId: account.id, region: null, complete: false });
    return undefined;
  }
}

async function regionsOf(
  accountId: string,
  session: AccountSession,
  plan: ScanPlan,
  errors: ScanError[],
  coverage: Coverage[],
): Promise<readonly string[]> {
  if (plan.regions !== 'all') return plan.regions;
  try {
    return await session.enabledRegions();
  } catch (error) {
    errors.push(regionsListError(accountId, asAwsError(error)));
    coverage.push({ accountId, region: null, complete: false });
    return [];
  }
}
