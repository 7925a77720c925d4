import { messageOf } from '../../core/errors.js';
import { CFN_STACK_TAG } from '../../core/scan/stack.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { RegionSession } from '../aws-port.js';
import { openKeyRegion } from './key-region.js';
import type { RemediationParts } from './remediation-parts.js';

/** The tag that marks a key as managed as code, if it has one. */
export function managedByTag(
  parts: Pick<RemediationParts, 'iacTags'>,
  tags: Readonly<Record<string, string>>,
): string | undefined {
  return [CFN_STACK_TAG, ...parts.iacTags].find((t) => Object.hasOwn(tags, t));
}

/** The key as AWS has it now, beside the record's reading of it: what a remediation checks before it writes. */
export interface KeyNow {
  readonly live: string;
  /** The policy is not the one the last scan read (and the plan was made from). */
  readonly drift: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** The tag that marks it managed as code, if any. */
  readonly managedBy: string | undefined;
  /** Its grants' IDs, when asked for. */
  readonly grantIds: ReadonlySet<string>;
}

/** Reads the key's policy (and its grants, with `grants`) and its tags, in that order, changing nothing. */
export async function readKeyNow(
  parts: Pick<RemediationParts, 'iacTags'>,
  region: RegionSession,
  key: Pick<KeySnapshot, 'keyId' | 'policy'>,
  grants: boolean,
): Promise<KeyNow> {
  const live = await region.getKeyPolicy(key.keyId);
  const grantIds = grants ? new Set((await region.listGrants(key.keyId)).map((g) => g.grantId)) : new Set<string>();
  const tags = await region.listResourceTags(key.keyId);
  return { live, drift: live !== key.policy, tags, managedBy: managedByTag(parts, tags), grantIds };
}

/** What stands in a remediation's way now, read from AWS without changing anything: drift, and code management. */
export async function precheck(
  parts: RemediationParts,
  keyArn: string,
): Promise<{ drift: boolean; managedBy: string | undefined } | { error: string }> {
  const key = parts.record.storedKey(keyArn);
  if (key === undefined) return { error: `the record has no key ${keyArn}` };
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return { error: messageOf(error) };
  }
  try {
    const { drift, managedBy } = await readKeyNow(parts, region, key, false);
    return { drift, managedBy };
  } catch (error) {
    return { error: messageOf(error) };
  } finally {
    region.close();
  }
}
