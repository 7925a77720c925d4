import pLimit from 'p-limit';
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
  const keysUnread: string[] = [];
  try {
    const keyIds = await rs.listKeyIds();
    reader.counted(keyIds.length);
    const aliases = await rs.aliasesByKey().catch((error: unknown) => {
      reader.error(aliasesError(accountId, region, asAwsError(error)));
      return new Map<string, string[]>();
    });
    const keyLimit = pLimit(reader.keyConcurrency);
    const results = await Promise.all(
      keyIds.map((keyId) => keyLimit(() => readKey({ accountId, region, keyId }, rs, aliases, reader))),
    );
    results.forEach((read, i) => {
      if (!read) keysUnread.push(keyIds[i] as string);
    });
    return { accountId, region, complete: keysUnread.length === 0, listed: true, keysUnread };
  } catch (error) {
    reader.error(regionError(accountId, region, asAwsError(error)));
    return { accountId, region, complete: false, listed: false, keysUnread };
  }
}

/** Reads one key; returns false when something about it could not be read. Region-wide failures propagate. */
async function readKey(
  at: { accountId: string; region: string; keyId: string },
  rs: RegionSession,
  aliases: ReadonlyMap<string, string[]>,
  reader: RegionReader,
): Promise<boolean> {
  const guessedArn = `arn:${reader.partition}:kms:${at.region}:${at.accountId}:key/${at.keyId}`;
  try {
    const key = await rs.describeKey(at.keyId);
    if (key.keyManager !== 'CUSTOMER') return true;
    const where: KeyAt = { ...at, keyId: key.keyId, keyArn: key.keyArn };
    let complete = true;
    // A key policy may deny the scanner either read: that part of the key stays unknown, the rest is judged.
    const unlessDenied = <T>(read: Promise<T>, report: (awsMessage: string) => ScanError) =>
      read.catch((error: unknown) => {
        const e = asAwsError(error);
        if (e.code !== 'AccessDenied') throw e;
        reader.error(report(e.message));
        complete = false;
        return null;
      });
    const policy = await unlessDenied(rs.getKeyPolicy(at.keyId), (m) =>
      policyUnreadableError(where, 'GetKeyPolicy', m),
    );
    const grants = await unlessDenied(rs.listGrants(at.keyId), (m) => grantsUnreadableError(where, m));
    await reader.key({
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
    });
    return complete;
  } catch (error) {
    const e = asAwsError(error);
    const where: KeyAt = { ...at, keyArn: guessedArn };
    if (e.code === 'NotFound') {
      reader.error(keyVanishedError(where, e.message));
      return true;
    }
    if (e.code === 'Timeout' || e.code === 'Unreachable' || e.code === 'RegionNotEnabled') throw e;
    // A key policy that shuts the auditor out denies DescribeKey too: the same lock-out.
    reader.error(
      e.code === 'AccessDenied' ? policyUnreadableError(where, 'DescribeKey', e.message) : keyReadError(where, e),
    );
    return false;
  }
}

/** Only the AWS adapter's classified failures are expected here; anything else is a bug and propagates. */
export function asAwsError(error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  throw error;
}
