import { accountField } from '../arn.js';
import { globMatches } from '../glob.js';
import { isArnTrusted, type TrustZone } from '../trust.js';
import { type ArnClause, KEY_ORGANIZATION, type Narrowing } from './conditions.js';
import type { Subject } from './subjects.js';

/** Who a key policy statement lets in, as a finding's `kind`. */
export type PolicyFindingKind =
  | 'public'
  | 'account'
  | 'principal'
  | 'principal-pattern'
  | 'organization'
  | 'federated'
  | 'canonical-user';

/** Someone a statement lets in once its conditions and the policy's Deny statements are applied. */
export interface Grantee {
  readonly kind: 'public' | 'account' | 'principal' | 'arn-pattern' | 'organization' | 'federated' | 'canonical-user';
  readonly principal: string;
  readonly account: string | null;
  readonly organizations: ReadonlySet<string> | undefined;
  /** For principals that name no account (federated, canonical): the accounts conditions confine the caller to. */
  readonly callerAccounts?: ReadonlySet<string> | undefined;
  readonly notPrincipal?: boolean;
  /** An ARN pattern read under an IgnoreCase operator matches principals whatever their case. */
  readonly ignoreCase?: boolean;
}

export function resolve(subject: Subject, n: Narrowing): Grantee[] {
  const organizations = n.organizations;
  if (organizations !== undefined && organizations.size === 0) return [];
  switch (subject.kind) {
    case 'federated':
    case 'canonical-user':
      if (n.accounts !== undefined && n.accounts.size === 0) return [];
      return [
        { kind: subject.kind, principal: subject.principal, account: null, organizations, callerAccounts: n.accounts },
      ];
    case 'everyone':
      return resolveEveryone(subject.notPrincipal, n);
    default: {
      if (n.accounts !== undefined && !n.accounts.has(subject.account)) return [];
      // A session's aws:PrincipalArn is its role's ARN, whose path the session ARN does not show: match the account.
      const exact = subject.kind === 'principal' && !/^arn:[^:]+:sts:/.test(subject.principal);
      const fits = (clause: ArnClause) =>
        clause.patterns.some((pattern) =>
          exact
            ? globMatches(pattern, subject.principal, clause.ignoreCase)
            : accountField(pattern) === subject.account,
        );
      if (!n.arnClauses.every(fits)) return [];
      // An account narrowed by aws:PrincipalArn lets in only the principals the patterns name, not the whole account.
      if (subject.kind === 'account' && n.arnClauses.length > 0) return arnPatterns(n, subject.account);
      return [{ kind: subject.kind, principal: subject.principal, account: subject.account, organizations }];
    }
  }
}

function resolveEveryone(notPrincipal: boolean, n: Narrowing): Grantee[] {
  const organizations = n.organizations;
  if (n.arnClauses.length > 0) return arnPatterns(n, undefined);
  if (n.accounts !== undefined) {
    return [...n.accounts].map((account) => ({ kind: 'account', principal: account, account, organizations }));
  }
  if (organizations !== undefined) {
    return [...organizations].map((org) => ({
      kind: 'organization',
      principal: org,
      account: null,
      organizations: new Set([org]),
    }));
  }
  return [{ kind: 'public', principal: '*', account: null, organizations: undefined, notPrincipal }];
}

/**
 * The ARN patterns of the first aws:PrincipalArn clause that the other clauses (and the account narrowing, and
 * `onlyAccount` when given) leave possible: each is a grantee of its own.
 */
function arnPatterns(n: Narrowing, onlyAccount: string | undefined): Grantee[] {
  const [first, ...rest] = n.arnClauses;
  if (first === undefined) return [];
  return first.patterns
    .filter((pattern) => {
      const account = accountField(pattern) as string;
      return (
        (onlyAccount === undefined || account === onlyAccount) &&
        (n.accounts === undefined || n.accounts.has(account)) &&
        rest.every((c) => c.patterns.some((q) => accountField(q) === account))
      );
    })
    .map((pattern) => ({
      kind: 'arn-pattern',
      principal: pattern,
      account: accountField(pattern) ?? null,
      organizations: n.organizations,
      ignoreCase: first.ignoreCase,
    }));
}

export function isTrusted(grantee: Grantee, zone: TrustZone): boolean {
  if (grantee.organizations !== undefined && allTrustedOrganizations(grantee.organizations, zone)) return true;
  const callers = grantee.callerAccounts;
  if (callers !== undefined && callers.size > 0 && [...callers].every((a) => zone.accounts.has(a))) return true;
  switch (grantee.kind) {
    case 'account':
      return zone.accounts.has(grantee.account as string);
    case 'principal':
      return isArnTrusted(zone, grantee.principal);
    case 'arn-pattern':
      return isArnTrusted(zone, grantee.principal, grantee.ignoreCase === true);
    case 'federated':
      return zone.principals.has(grantee.principal);
    default:
      return false;
  }
}

function allTrustedOrganizations(organizations: ReadonlySet<string>, zone: TrustZone): boolean {
  if (organizations.size === 0) return false;
  for (const org of organizations) if (!zone.organizations.has(org)) return false;
  return true;
}

export function reasonFor(grantee: Grantee): string {
  switch (grantee.kind) {
    case 'public':
      return grantee.notPrincipal
        ? 'NotPrincipal with Allow lets in every principal not listed, in any account'
        : 'anyone in any AWS account can use the key: Principal "*" with no condition that limits the caller\'s account';
    case 'organization':
      return grantee.principal === KEY_ORGANIZATION
        ? `the organization of the key's account (${KEY_ORGANIZATION}) is not known here, so it is not trusted`
        : `organization ${grantee.principal} is not trusted`;
    case 'federated':
      return `identities federated through ${grantee.principal} are outside every trusted account`;
    case 'canonical-user':
      return `canonical user ${grantee.principal} is not an account on the trust list`;
    default:
      return `account ${grantee.account} is not trusted`;
  }
}

/** The finding kind of a grantee. */
export function kindOf(grantee: Grantee): PolicyFindingKind {
  return grantee.kind === 'arn-pattern' ? 'principal-pattern' : grantee.kind;
}
