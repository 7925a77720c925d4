import { accountField, hasWildcard, isAccountId, isOrganizationId, parsePrincipalArn } from './arn.js';
import { SentinelError } from './errors.js';

export type TrustEntry =
  | { readonly kind: 'account'; readonly account: string; readonly text: string }
  | { readonly kind: 'principal'; readonly arn: string; readonly account: string; readonly text: string }
  | { readonly kind: 'organization'; readonly organization: string; readonly text: string };

const PRINCIPAL_RESOURCE = /^(user|role|assumed-role|federated-user)\/\S+$/;

export const TRUST_ENTRY_FORMS =
  'a 12-digit account ID (111122223333), an account root ARN (arn:aws:iam::111122223333:root), ' +
  'a principal ARN (arn:aws:iam::111122223333:role/Name) or an organization ID (o-abcd123456)';

/** Parses one trust-list entry; throws `invalid-trust-entry` with the accepted forms when it is malformed. */
export function parseTrustEntry(input: string): TrustEntry {
  const text = input.trim();
  if (isAccountId(text)) return { kind: 'account', account: text, text };
  if (isOrganizationId(text)) return { kind: 'organization', organization: text, text };
  const arn = parsePrincipalArn(text);
  if (arn !== undefined && !text.includes('*') && !text.includes('?')) {
    if (arn.service === 'iam' && arn.resource === 'root') return { kind: 'account', account: arn.account, text };
    if (PRINCIPAL_RESOURCE.test(arn.resource)) return { kind: 'principal', arn: text, account: arn.account, text };
  }
  throw new SentinelError(
    'invalid-trust-entry',
    `${JSON.stringify(input)} is not a valid trust entry; use ${TRUST_ENTRY_FORMS}`,
  );
}

/** Who is inside the zone of trust for one key: its own account plus the trust list. */
export interface TrustZone {
  readonly keyAccount: string;
  /** The organization the key's account belongs to, when the caller knows it (`${aws:ResourceOrgID}`). */
  readonly keyOrganization?: string | undefined;
  readonly accounts: ReadonlySet<string>;
  readonly principals: ReadonlySet<string>;
  readonly organizations: ReadonlySet<string>;
}

/** One spelling per entry: an account is its 12-digit ID, however it was written (ID or root ARN, any partition). */
export function canonicalTrustText(entry: TrustEntry): string {
  return entry.kind === 'account' ? entry.account : entry.text;
}

export function trustZone(keyAccount: string, entries: readonly TrustEntry[], keyOrganization?: string): TrustZone {
  if (!isAccountId(keyAccount)) {
    throw new SentinelError('invalid-account-id', `${JSON.stringify(keyAccount)} is not a 12-digit AWS account ID`);
  }
  if (keyOrganization !== undefined && !isOrganizationId(keyOrganization)) {
    throw new SentinelError(
      'invalid-organization-id',
      `${JSON.stringify(keyOrganization)} is not an organization ID (o- and 10 to 32 lower-case letters or digits)`,
    );
  }
  const accounts = new Set([keyAccount]);
  const principals = new Set<string>();
  const organizations = new Set<string>();
  for (const entry of entries) {
    if (entry.kind === 'account') accounts.add(entry.account);
    else if (entry.kind === 'principal') principals.add(entry.arn);
    else organizations.add(entry.organization);
  }
  return { keyAccount, keyOrganization, accounts, principals, organizations };
}

export function isAccountTrusted(zone: TrustZone, account: string): boolean {
  return zone.accounts.has(account);
}

/**
 * An exact principal ARN (or ARN pattern) is trusted when its account is, or when the exact string is listed. A
 * pattern read under an IgnoreCase operator (without wildcards) names the listed principal whatever its case.
 */
export function isArnTrusted(zone: TrustZone, arn: string, ignoreCase = false): boolean {
  if (zone.principals.has(arn)) return true;
  if (ignoreCase && !hasWildcard(arn)) {
    const folded = arn.toLowerCase();
    for (const principal of zone.principals) if (principal.toLowerCase() === folded) return true;
  }
  const account = accountField(arn);
  return account !== undefined && zone.accounts.has(account);
}
