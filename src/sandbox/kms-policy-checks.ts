import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import type { KmsSettings } from './kms.js';
import { validation } from './kms-input.js';

/**
 * The checks KMS makes of a new key policy, in its order: its size, its JSON, the principals it names (none that
 * does not exist), and, unless bypassed, the lockout safety check.
 */
export function assertPolicyAccepted(
  policy: string,
  bypassLockoutCheck: boolean,
  caller: Caller,
  settings: Pick<KmsSettings, 'nonexistentPrincipals'>,
): void {
  if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
    throw validation('policy', `Member must have length less than or equal to ${MAX_POLICY_BYTES}`, '…');
  }
  const document = jsonObject(policy);
  if (document === undefined) {
    throw new AwsFault('MalformedPolicyDocumentException', 'The policy document is not valid JSON.');
  }
  const named = principalsNamed(document);
  if (
    named.some(
      (p) => /^(AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{12,}$/.test(p) || settings.nonexistentPrincipals?.includes(p),
    )
  ) {
    throw new AwsFault(
      'MalformedPolicyDocumentException',
      'Policy contains a statement with one or more invalid principals.',
    );
  }
  if (!bypassLockoutCheck && !allowsPutKeyPolicy(document, caller)) {
    throw new AwsFault(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
  }
}

const MAX_POLICY_BYTES = 32_768;

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type RawStatement = { Effect?: unknown; Principal?: unknown; Action?: unknown; Condition?: unknown };

function statementsOf(document: Record<string, unknown>): RawStatement[] {
  const raw = document.Statement;
  return (Array.isArray(raw) ? raw : [raw]).filter((s): s is RawStatement => typeof s === 'object' && s !== null);
}

function listOf(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

function principalsNamed(document: Record<string, unknown>): string[] {
  return statementsOf(document).flatMap((s) =>
    typeof s.Principal === 'object' && s.Principal !== null ? Object.values(s.Principal).flatMap(listOf) : [],
  );
}

/**
 * KMS's lockout safety check, as the sandbox plays it: the new policy must let the caller (its own ARN, its role's,
 * its account's root or ID, or everyone) call kms:PutKeyPolicy again, through an Allow statement.
 */
function allowsPutKeyPolicy(document: Record<string, unknown>, caller: Caller): boolean {
  const account = caller.principal.account;
  const who = new Set([caller.principal.arn, account, `arn:aws:iam::${account}:root`]);
  const role = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.principal.arn);
  if (role !== null) who.add(`arn:aws:iam::${role[1]}:role/${role[2]}`);
  return statementsOf(document).some((s) => {
    if (s.Effect !== 'Allow') return false;
    const principals =
      s.Principal === '*'
        ? ['*']
        : typeof s.Principal === 'object' && s.Principal !== null
          ? listOf((s.Principal as Record<string, unknown>).AWS)
          : [];
    const actions = listOf(s.Action);
    return (
      principals.some((p) => p === '*' || who.has(p)) &&
      actions.some((a) => a === '*' || a === 'kms:*' || a.toLowerCase() === 'kms:putkeypolicy' || a === 'kms:Put*')
    );
  });
}
