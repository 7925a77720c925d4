import { trustZone } from '../trust.js';
import { evaluateKey } from './evaluate-key.js';
import type { KeySnapshot } from './types.js';

/**
 * The tag CloudFormation puts on every resource it creates: the name of the stack that owns it. It is AWS's own
 * (`aws:` tags can be neither changed nor removed), so a key's stack, once seen, stays its stack.
 */
export const CFN_STACK_TAG = 'aws:cloudformation:stack-name';

/** The CloudFormation stack that owns a key, from its tags; null when CloudFormation does not manage it. */
export function stackOf(tags: Readonly<Record<string, string>>): string | null {
  const stack = Object.hasOwn(tags, CFN_STACK_TAG) ? tags[CFN_STACK_TAG] : undefined;
  return stack === undefined || stack === '' ? null : stack;
}

/**
 * Whether the key lets anyone outside its own account in at all: judged against an empty trust list, which no trust
 * list can make stricter, so a key that says no here has no finding under any. Only such a key is worth reading the
 * tags of. A key the engine fails on counts as open (it becomes an item of its own).
 */
export function opensBeyondItsAccount(key: KeySnapshot): boolean {
  try {
    return evaluateKey(key, trustZone(key.accountId, [])).findings.length > 0;
  } catch {
    return true;
  }
}
