import { accountField } from '../arn.js';
import type { TrustZone } from '../trust.js';
import type { Json } from './draft.js';

/** Principals a key policy can name for good: IAM users and roles (not sessions, not federated users). */
export const NAMEABLE = /^arn:[a-z-]+:iam::\d{12}:(user|role)\/[^*?]+$/;

/**
 * The principal entries of the statement that belong to `account` (its ID, its root, its users and roles), less
 * those the trust list names one by one.
 */
export function principalsOfAccount(json: Json, account: string, zone: TrustZone): string[] {
  const aws = ((json.Principal as Json | undefined)?.AWS ?? []) as string | string[];
  return (Array.isArray(aws) ? aws : [aws]).filter(
    (p) => (p === account || accountField(p) === account) && !zone.principals.has(p),
  );
}

/**
 * Takes an untrusted ARN pattern out of the statement's aws:PrincipalArn values, under every operator; false (and
 * nothing changed) when it is the last value of one of them, or named nowhere.
 */
export function removePattern(json: Json, pattern: string): boolean {
  const condition = (json.Condition ?? {}) as Record<string, Record<string, unknown>>;
  const places: { block: Record<string, unknown>; key: string; values: string[]; list: boolean }[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    // A value of a negated operator excludes callers: taking it out would let them in.
    if (/not/i.test(operator)) continue;
    for (const [key, value] of Object.entries(block)) {
      if (key.toLowerCase() !== 'aws:principalarn') continue;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      if (values.includes(pattern)) places.push({ block, key, values, list: Array.isArray(value) });
    }
  }
  if (places.length === 0 || places.some((p) => p.values.every((v) => v === pattern))) return false;
  for (const { block, key, values, list } of places) {
    const kept = values.filter((v) => v !== pattern);
    block[key] = list || kept.length > 1 ? kept : kept[0];
  }
  return true;
}

/** Takes one principal out of a statement's Principal, whatever its type; true when it was there. */
export function removePrincipal(json: Json, name: string): boolean {
  const principal = json.Principal as Json | string | undefined;
  if (principal === undefined || typeof principal === 'string') return false;
  let found = false;
  for (const type of Object.keys(principal)) {
    const value = principal[type] as string | string[];
    const list = Array.isArray(value) ? value : [value];
    const kept = list.filter((p) => p !== name);
    if (kept.length === list.length) continue;
    found = true;
    if (kept.length === 0) delete principal[type];
    else principal[type] = Array.isArray(value) ? kept : kept[0];
  }
  return found;
}

/** Adds an AWS principal to a statement's Principal; false when it is already there. */
export function addPrincipal(json: Json, name: string): boolean {
  const principal = json.Principal as Json;
  const value = (principal.AWS ?? []) as string | string[];
  const list = Array.isArray(value) ? value : [value];
  if (list.includes(name)) return false;
  principal.AWS = [...list, name];
  return true;
}

export function principalIsEmpty(json: Json): boolean {
  const principal = json.Principal;
  return typeof principal === 'object' && principal !== null && Object.keys(principal).length === 0;
}
