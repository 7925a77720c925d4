import { opensBeyondItsAccount, stackOf } from '../core/scan/stack.js';
import type { KeySnapshot } from '../core/scan/types.js';
import { AwsCallError, type RegionSession } from './aws-port.js';
import {
  aliasesError,
  grantsUnreadableError,
  type KeyAt,
  keyReadError,
  keyVanishedError,
  policyUnreadableError,
  regionError,
  type ScanError,
} from './scan-errors.js';
import type { Coverage } from './scan-types.js';

/** The alias prefix AWS keeps for the keys it manages (CreateAlias refuses it to everyone else). */
const AWS_MANAGED_ALIAS = 'alias/aws/';

/** What reading one region reports back, beside the keys it handed on. */
export interface RegionReader {
  readonly partition: string;
  readonly keyConcurrency: number;
  error(error: ScanError): void;
  /** Hands a key on; the promise resolves when the sink has room for more. */
  key(snapshot: KeySnapshot): Promise<void>;
  counted(keys: number): void;
}

/** Reads every key of one account-region; returns its coverage. Failures stay in their scope. */
export async function scanRegion(
  accountId: string,
  region: string,
  rs: RegionSession,
  reader: RegionReader,
): Promise<Coverage> {
  // The two lists are independent, so they are asked for at once; the aliases matter only once the keys are listed.
  const [listed, aliasList] = await Promise.allSettled([rs.listKeyIds(), rs.aliasesByKey()]);
  try {
    if (listed.status === 'rejected') throw listed.reason;
    const keyIds = listed.value;
    reader.counted(keyIds.length);
    let aliases = new Map<string, string[]>();
    if (aliasList.status === 'fulfilled') aliases = aliasList.value;
    else reader.error(aliasesError(accountId, region, asAwsError(aliasList.reason)));
    const unread = await readKeys(keyIds, reader.keyConcurrency, (keyId) =>
      readKey({ accountId, region, keyId }, rs, aliases, reader),
    );
    return { accountId, region, complete: unread.length === 0, listed: true, keysUnread: unread };
  } catch (error) {
    reader.error(regionError(accountId, region, asAwsError(error)));
    return { accountId, region, complete: false, listed: false, keysUnread: [] };
  }
}

/**
 * Reads the keys `concurrency` at a time, each reader taking the next key when it is done (so what is held is bounded
 * by the concurrency, not by the region's thousands of keys); returns those not read in full, in listing order. The
 * first failure that concerns the whole region stops the readers and propagates.
 */
async function readKeys(
  keyIds: readonly string[],
  concurrency: number,
  read: (keyId: string) => Promise<boolean>,
): Promise<string[]> {
  const unread: number[] = [];
  let next = 0;
  let failed = false;
  const reader = async () => {
    while (!failed && next < keyIds.length) {
      const index = next++;
      try {
        if (!(await read(keyIds[index] as string))) unread.push(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keyIds.length) }, reader));
  return unread.sort((a, b) => a - b).map((index) => keyIds[index] as string);
}

/** Reads one key; returns false when something about it could not be read. Region-wide failures propagate. */
export async function readKey(
  at: { accountId: string; region: string; keyId: string },
  rs: RegionSession,
  aliases: ReadonlyMap<string, string[]>,
  reader: RegionReader,
): Promise<boolean> {
  const guessedArn = `arn:${reader.partition}:kms:${at.region}:${at.accountId}:key/${at.keyId}`;
  // AWS reserves alias/aws/ for the keys it manages: such a key is counted and skipped, as DescribeKey would say.
  if (aliases.get(at.keyId)?.some((alias) => alias.startsWith(AWS_MANAGED_ALIAS))) return true;
  // The three reads are independent, so they go at once; what the policy and grants reads found counts only once
  // DescribeKey has said the key is customer-managed (a policy that shuts the auditor out fails all three).
  try {
    await rs.keyTurn();
    const [described, policyRead, grantsRead] = await Promise.allSettled([
      rs.describeKey(at.keyId),
      rs.getKeyPolicy(at.keyId),
      rs.listGrants(at.keyId),
    ]);
    if (described.status === 'rejected') throw described.reason;
    const key = described.value;
    if (key.keyManager !== 'CUSTOMER') return true;
    const where: KeyAt = { ...at, keyId: key.keyId, keyArn: key.keyArn };
    let complete = true;
    // A key policy may deny the scanner either read: that part of the key stays unknown, the rest is judged.
    const unlessDenied = <T>(read: PromiseSettledResult<T>, report: (awsMessage: string) => ScanError): T | null => {
      if (read.status === 'fulfilled') return read.value;
      const e = asAwsError(read.reason);
      if (e.reason !== 'AccessDenied') throw e;
      reader.error(report(e.message));
      complete = false;
      return null;
    };
    const policy = unlessDenied(policyRead, (m) => policyUnreadableError(where, 'GetKeyPolicy', m));
    const grants = unlessDenied(grantsRead, (m) => grantsUnreadableError(where, m));
    const snapshot: KeySnapshot = {
      accountId: at.accountId,
      region: at.region,
      keyId: key.keyId,
      keyArn: key.keyArn,
      aliases: aliases.get(key.keyId) ?? [],
      keyState: key.keyState,
      multiRegion: key.multiRegion,
      multiRegionKeyType: key.multiRegionKeyType,
      policy,
      grants,
    };
    // One more call per key would slow every scan: only a key open beyond its account has its tags read.
    const stack = opensBeyondItsAccount(snapshot) ? await readStack(rs, key.keyId) : null;
    await reader.key(stack === null ? snapshot : { ...snapshot, stack });
    return complete;
  } catch (error) {
    const e = asAwsError(error);
    const where: KeyAt = { ...at, keyArn: guessedArn };
    if (e.reason === 'NotFound') {
      reader.error(keyVanishedError(where, e.message));
      return true;
    }
    if (e.reason === 'Timeout' || e.reason === 'Unreachable' || e.reason === 'RegionNotEnabled') throw e;
    // A key policy that shuts the auditor out denies DescribeKey too: the same lock-out.
    reader.error(
      e.reason === 'AccessDenied' ? policyUnreadableError(where, 'DescribeKey', e.message) : keyReadError(where, e),
    );
    return false;
  }
}

/**
 * The CloudFormation stack that owns the key, from its tags. What the stack is only points to where the fix belongs:
 * a tags read that fails (denied, throttled past the retries) leaves it unknown and the key is judged all the same.
 */
async function readStack(rs: RegionSession, keyId: string): Promise<string | null> {
  try {
    return stackOf(await rs.listResourceTags(keyId));
  } catch (error) {
    asAwsError(error);
    return null;
  }
}

/** Only the AWS adapter's classified failures are expected here; anything else is a bug and propagates. */
export function asAwsError(error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  throw error;
}
