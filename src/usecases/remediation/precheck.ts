import { messageOf } from '../../core/errors.js';
import type { RegionSession } from '../aws-port.js';
import { openKeyRegion } from './key-region.js';
import type { RemediationParts } from './remediation-parts.js';

const CFN_TAG = 'aws:cloudformation:stack-name';

/** The tag that marks a key as managed as code, if it has one. */
export function managedByTag(
  parts: Pick<RemediationParts, 'iacTags'>,
  tags: Readonly<Record<string, string>>,
): string | undefined {
  return [CFN_TAG, ...parts.iacTags].find((t) => Object.hasOwn(tags, t));
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
    const live = await region.getKeyPolicy(key.keyId);
    const tags = await region.listResourceTags(key.keyId);
    return { drift: live !== key.policy, managedBy: managedByTag(parts, tags) };
  } catch (error) {
    return { error: messageOf(error) };
  } finally {
    region.close();
  }
}
