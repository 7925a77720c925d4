import { accountField, hasWildcard, isAccountId, isOrganizationId, parsePrincipalArn } from '../arn.js';
import { SentinelError } from '../errors.js';
import { globMatches } from '../glob.js';
import { KEY_ORGANIZATION } from '../policy/conditions.js';
import type { KeyFinding } from '../scan/types.js';

/** Whom `who` asks about: an account, one principal, or an organization. */
export type Party =
  | { readonly kind: 'account'; readonly account: string; readonly text: string }
  | { readonly kind: 'principal'; readonly arn: string; readonly account: string; readonly text: string }
  | { readonly kind: 'organization'; readonly organization: string; readonly text: string };

export const PARTY_FORMS =
  'a 12-digit account ID (111122223333), a principal ARN (arn:aws:iam::111122223333:role/Name, a user, or a ' +
  'session arn:aws:sts::111122223333:assumed-role/Name/session) or an organization ID (o-abcd123456)';

const PRINCIPAL = /^(user|role)\/\S+$|^(assumed-role\/[^/\s]+\/\S+|federated-user\/\S+)$/;

/** Reads the party `who` is asked about; throws `invalid-party` naming the accepted forms. */
export function parseParty(input: string): Party {
  const text = input.trim();
  if (isAccountId(text)) return { kind: 'account', account: text, text };
  if (isOrganizationId(text)) return { kind: 'organization', organization: text, text };
  const arn = parsePrincipalArn(text);
  if (arn !== undefined && !hasWildcard(text)) {
    if (arn.service === 'iam' && arn.resource === 'root') return { kind: 'account', account: arn.account, text };
    if (PRINCIPAL.test(arn.resource)) return { kind: 'principal', arn: text, account: arn.account, text };
  }
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  throw new SentinelError('invalid-party', `${JSON.stringify(shown)} is not a party to ask about; give ${PARTY_FORMS}`);
}

/** The party's own words for itself: an account is its ID however it was written. */
export function partyName(party: Party): string {
  return party.kind === 'account' ? party.account : party.kind === 'principal' ? party.arn : party.organization;
}

/**
 * How a way into a key reaches the party:
 * - `named`: the party itself is named (the account, the exact principal, the organization);
 * - `member`: one of the account's principals, or a pattern, role or session the principal falls under;
 * - `account`: the principal's whole account is let in (the account's own IAM policies then decide);
 * - `anyone`: the key is open to anyone;
 * - `if-member`: a statement confined to an organization, which the party may or may not belong to (the record
 *   does not know who is in which organization).
 */
export type Reach = 'named' | 'member' | 'account' | 'anyone' | 'if-member';

export type Reachable = Pick<KeyFinding, 'kind' | 'principal' | 'account' | 'public'>;

/** How `way` reaches `party`, or undefined when it does not. */
export function reachOf(party: Party, way: Reachable): Reach | undefined {
  if (way.public || way.kind === 'public') return 'anyone';
  if (way.kind === 'organization') {
    if (party.kind !== 'organization') return 'if-member';
    if (way.principal === party.organization) return 'named';
    // An organization is not another one; it may be the key's own, whose ID the record does not know.
    return way.principal === KEY_ORGANIZATION ? 'if-member' : undefined;
  }
  if (party.kind === 'organization') return undefined;
  if (way.kind === 'principal-pattern') {
    if (party.kind === 'principal') return patternNames(way.principal, party.arn) ? 'member' : undefined;
    return patternMayName(way.principal, party.account) ? 'member' : undefined;
  }
  const account = accountOf(way);
  if (account === undefined || account !== party.account) return undefined;
  const whole = isWholeAccount(way.principal);
  if (party.kind === 'account') return whole ? 'named' : 'member';
  if (whole) return 'account';
  if (way.principal === party.arn) return 'named';
  return fallsUnder(party.arn, way) ? 'member' : undefined;
}

/** The account a way in belongs to: its own, or the one a federated provider's ARN names. */
function accountOf(way: Reachable): string | undefined {
  if (way.account !== null) return way.account;
  return way.kind === 'federated' ? accountField(way.principal) : undefined;
}

/**
 * Whether an aws:PrincipalArn pattern matches a principal. A session's aws:PrincipalArn is its role's ARN, whose path
 * the session ARN does not show: the pattern is matched against the role's ARN with any path (the reading that
 * includes the most, for a blast radius).
 */
function patternNames(pattern: string, arn: string): boolean {
  if (globMatches(pattern, arn)) return true;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  if (session === null) return false;
  const [, partition, account, role] = session as unknown as [string, string, string, string];
  if (globMatches(pattern, `arn:${partition}:iam::${account}:role/${role}`)) return true;
  const fields = pattern.split(':');
  const resource = fields.slice(5).join(':');
  if (fields.length < 6 || !globMatches(fields[4] as string, account) || !resource.startsWith('role/')) return false;
  const name = resource.slice(resource.lastIndexOf('/') + 1);
  return globMatches(name, role) || globMatches(resource, `role/${role}`);
}

/** Whether an aws:PrincipalArn pattern can match some principal of `account` (its account field may be a wildcard). */
function patternMayName(pattern: string, account: string): boolean {
  const fields = pattern.split(':');
  return fields.length < 6 || globMatches(fields[4] as string, account);
}

function isWholeAccount(principal: string): boolean {
  if (isAccountId(principal)) return true;
  const arn = parsePrincipalArn(principal);
  return arn?.service === 'iam' && arn.resource === 'root';
}

/**
 * Whether the principal `arn` falls under what a way in names: an ARN pattern matching it, the role a session is of
 * (a session's ARN shows its role's name, not its path), or a session of the role it is.
 */
function fallsUnder(arn: string, way: Reachable): boolean {
  const party = parsePrincipalArn(arn);
  const named = parsePrincipalArn(way.principal);
  if (party === undefined || named === undefined) return false;
  const roleOf = (resource: string) => /^assumed-role\/([^/]+)\//.exec(resource)?.[1];
  const roleName = (resource: string) => (resource.startsWith('role/') ? resource.split('/').pop() : undefined);
  const session = roleOf(party.resource);
  if (session !== undefined) return roleName(named.resource) === session;
  const role = roleName(party.resource);
  return role !== undefined && roleOf(named.resource) === role;
}
