import { messageOf } from '../../core/errors.js';
import type { KeyRef } from '../../core/events/key-event.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { AccountSession, AwsPort, CallerIdentity } from '../aws-port.js';
import { roleArnFor, type ScanPlan } from '../scan-plan.js';
import { asAwsError, readKey } from '../scan-region.js';
import type { ScanError } from '../scan-types.js';

const MEMBERS_TTL_MS = 15 * 60_000;

/** What reading one changed key gave. */
export type ChangedKeyRead =
  | {
      readonly kind: 'read';
      readonly key: KeySnapshot;
      /** When the read began. */
      readonly readAt: Date;
      /** What could not be read of it (a policy that shuts the scanner out): that part keeps what the record has. */
      readonly problems: readonly string[];
    }
  /** Nothing to record: an AWS-managed key, or one deleted since. */
  | { readonly kind: 'skipped'; readonly why: string }
  /** The read failed (the account or region could not be reached, a throttle that outlasted the retries). */
  | { readonly kind: 'failed'; readonly why: string };

/**
 * Reads single keys again, by ARN, through the scanner's own code (readKey), with the role it assumes in each account
 * and the request pacing of each account-region. Account sessions (assumed roles) are kept between batches.
 */
export class ChangedKeyReader {
  private readonly aws: AwsPort;
  private readonly plan: ScanPlan;
  private readonly now: () => Date;
  private identity: Promise<CallerIdentity> | undefined;
  private readonly sessions = new Map<string, Promise<AccountSession>>();
  /** With organization discovery: the organization's active accounts, listed again after MEMBERS_TTL_MS. */
  private members: { readonly at: number; readonly ids: Promise<ReadonlySet<string>> } | undefined;

  constructor(aws: AwsPort, plan: ScanPlan, now: () => Date) {
    this.aws = aws;
    this.plan = plan;
    this.now = now;
  }

  /** Reads each key; one account-region at a time per account-region, all of them at once. */
  async read(keys: readonly KeyRef[], signal: AbortSignal): Promise<Map<string, ChangedKeyRead>> {
    const results = new Map<string, ChangedKeyRead>();
    const groups = new Map<string, KeyRef[]>();
    for (const key of keys) {
      const where = `${key.accountId}/${key.region}`;
      groups.set(where, [...(groups.get(where) ?? []), key]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const first = group[0] as KeyRef;
        try {
          if (!(await this.scanned(first.accountId))) {
            const why = `account ${first.accountId} is not an active account of the organization`;
            for (const key of group) results.set(key.arn, { kind: 'skipped', why });
            return;
          }
          const session = await this.session(first.accountId);
          const rs = session.region(first.region, signal);
          try {
            await readGroup(group, rs, this.plan.concurrency.keys, await this.partition(), this.now, results);
          } finally {
            rs.close();
          }
        } catch (error) {
          const why = messageOf(error);
          for (const key of group) if (!results.has(key.arn)) results.set(key.arn, { kind: 'failed', why });
        }
      }),
    );
    return results;
  }

  close(): void {
    for (const session of this.sessions.values())
      void session.then(
        (s) => s.close(),
        () => undefined,
      );
    this.sessions.clear();
  }

  /** A listed account, or (with organization discovery) an active account of the organization. */
  private async scanned(accountId: string): Promise<boolean> {
    if (this.plan.accounts?.some((a) => a.id === accountId) || !this.plan.organization.discover) return true;
    const at = this.now().getTime();
    if (this.members === undefined || at - this.members.at > MEMBERS_TTL_MS) {
      const ids = this.aws
        .organizationAccounts()
        .then((accounts) => new Set(accounts.filter((a) => a.status === 'ACTIVE').map((a) => a.id)));
      ids.catch(() => {
        this.members = undefined;
      });
      this.members = { at, ids };
    }
    return (await this.members.ids).has(accountId);
  }

  private async partition(): Promise<string> {
    return (await this.callerIdentity()).arn.split(':')[1] ?? 'aws';
  }

  private callerIdentity(): Promise<CallerIdentity> {
    this.identity ??= this.aws.callerIdentity();
    this.identity.catch(() => {
      this.identity = undefined;
    });
    return this.identity;
  }

  private session(accountId: string): Promise<AccountSession> {
    let session = this.sessions.get(accountId);
    if (session === undefined) {
      session = (async () => {
        const identity = await this.callerIdentity();
        const account = this.plan.accounts?.find((a) => a.id === accountId) ?? {
          id: accountId,
          name: undefined,
          roleArn: undefined,
        };
        return this.aws.openAccount({
          accountId,
          roleArn: roleArnFor(account, this.plan, identity),
          externalId: this.plan.externalId,
        });
      })();
      // A role that could not be assumed is tried afresh next time.
      session.catch(() => this.sessions.delete(accountId));
      this.sessions.set(accountId, session);
    }
    return session;
  }
}

async function readGroup(
  group: readonly KeyRef[],
  rs: ReturnType<AccountSession['region']>,
  concurrency: number,
  partition: string,
  now: () => Date,
  results: Map<string, ChangedKeyRead>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < group.length) {
      const ref = group[next++] as KeyRef;
      const readAt = now();
      const errors: ScanError[] = [];
      let snapshot: KeySnapshot | undefined;
      const keyId = ref.arn.slice(ref.arn.indexOf(':key/') + 5);
      try {
        await readKey({ accountId: ref.accountId, region: ref.region, keyId }, rs, new Map(), {
          partition,
          keyConcurrency: concurrency,
          error: (e) => errors.push(e),
          key: async (k) => {
            snapshot = k;
          },
          counted: () => undefined,
        });
      } catch (error) {
        results.set(ref.arn, { kind: 'failed', why: asAwsError(error).message });
        continue;
      }
      if (snapshot !== undefined) {
        results.set(ref.arn, { kind: 'read', key: snapshot, readAt, problems: errors.map((e) => e.message) });
      } else if (errors.some((e) => e.code === 'KeyVanished')) {
        results.set(ref.arn, { kind: 'skipped', why: 'the key no longer exists' });
      } else if (errors.length > 0) {
        results.set(ref.arn, { kind: 'failed', why: errors.map((e) => e.message).join('; ') });
      } else {
        results.set(ref.arn, { kind: 'skipped', why: 'an AWS-managed key' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, group.length) }, worker));
}
