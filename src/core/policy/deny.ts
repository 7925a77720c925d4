import { isAccountId, parsePrincipalArn } from '../arn.js';
import { globMatches } from '../glob.js';
import { coveredActions } from './actions.js';
import {
  isOrganizationValue,
  type KeyIdentity,
  type Narrowing,
  NO_NARROWING,
  presentOperator,
  resolvedValues,
} from './conditions.js';
import type { PolicyStatement } from './document.js';

/** What one Deny statement takes away, and from whom. */
export interface DenyRule {
  readonly label: string;
  readonly actions: ReadonlySet<string>;
  /**
   * For a guard ("deny everyone outside these accounts or this organization"): who survives it, as alternatives
   * (ORed). An empty list: nobody survives.
   */
  readonly survivors: readonly Narrowing[] | undefined;
  /** For a Deny aimed at named principals: exact principal strings, and accounts denied as a whole. */
  readonly principals: ReadonlySet<string>;
  readonly accounts: ReadonlySet<string>;
}

const GUARD_ACCOUNT_KEYS = new Set(['aws:principalaccount', 'kms:calleraccount']);
const NEGATED_LITERAL = /^stringnotequals(ignorecase)?(ifexists)?$/;

/**
 * Reads the Deny statements a policy can rely on, for the key `key` (its ARN, when known, says which
 * statements cover it). A Deny never grants; a Deny whose reach cannot be pinned down is ignored, so it can only leave
 * a finding in place, never hide one.
 */
export function denyRulesOf(statements: readonly PolicyStatement[], key: KeyIdentity, keyArn?: string): DenyRule[] {
  const rules: DenyRule[] = [];
  for (const s of statements) {
    if (s.effect !== 'Deny' || s.actions === undefined || !coversKey(s, keyArn)) continue;
    const actions = new Set(coveredActions(s.actions, s.notAction));
    if (actions.size === 0) continue;
    const base = { label: s.label, actions, principals: new Set<string>(), accounts: new Set<string>() };
    if (s.notPrincipal) {
      const survivors = notPrincipalSurvivors(s);
      if (survivors !== undefined) rules.push({ ...base, survivors });
    } else if (s.principal.everyone) {
      const survivors = guardOf(s, key);
      if (survivors !== undefined) rules.push({ ...base, survivors });
    } else if (s.conditions.length === 0) {
      const named = s.principal.aws;
      rules.push({ ...base, survivors: undefined, principals: new Set(named), accounts: new Set(accountsOf(named)) });
    }
  }
  return rules;
}

/** Account IDs and root ARNs: the accounts they name as a whole. */
function accountsOf(principals: readonly string[]): string[] {
  return principals.flatMap((p) => {
    if (isAccountId(p)) return [p];
    const arn = parsePrincipalArn(p);
    return arn !== undefined && arn.service === 'iam' && arn.resource === 'root' ? [arn.account] : [];
  });
}

/**
 * Whether a statement's resource element certainly names this key: `"*"` (in a key policy, the key itself), or a
 * pattern matching the key's ARN when it is known. `NotResource`, or an ARN of another key, may not apply to it.
 */
function coversKey(s: PolicyStatement, keyArn: string | undefined): boolean {
  if (s.resources === undefined || s.notResource) return false;
  return s.resources.some((r) => r === '*' || (keyArn !== undefined && globMatches(r, keyArn)));
}

/**
 * `Deny` with `NotPrincipal` and no condition denies everyone it does not list. Each listed AWS principal is read as
 * its whole account surviving (the reading that denies least). Listing everyone, a federated or canonical user, or a
 * principal whose account cannot be read (a unique ID) leaves it unpinned: not relied on.
 */
function notPrincipalSurvivors(s: PolicyStatement): Narrowing[] | undefined {
  const { principal } = s;
  if (s.conditions.length > 0 || principal.everyone) return undefined;
  if (principal.federated.length > 0 || principal.canonicalUser.length > 0) return undefined;
  const accounts = new Set<string>();
  for (const p of principal.aws) {
    const account = isAccountId(p) ? p : parsePrincipalArn(p)?.account;
    if (account === undefined || !isAccountId(account)) return undefined;
    accounts.add(account);
  }
  return [{ ...NO_NARROWING, accounts }];
}

/**
 * `Deny "*"` with no condition leaves nobody. Its conditions, all ANDed, must each be a negated literal test
 * (`StringNotEquals…`) of the caller's account (aws:PrincipalAccount, kms:CallerAccount) or of aws:PrincipalOrgID
 * (one clause); `aws:PrincipalIsAWSService` false may stand beside them, since it holds for every principal of an
 * account. Survivors are the listed accounts, or the organization's members, or either when both are tested. Any
 * other condition, or a variable other than `${aws:ResourceAccount}` and `${aws:ResourceOrgID}`, is not relied on.
 */
function guardOf(s: PolicyStatement, key: KeyIdentity): Narrowing[] | undefined {
  const tests = s.conditions.filter((c) => !holdsForAccounts(c));
  if (tests.length === 0) return [];
  const accounts: string[] = [];
  const orgTests = [];
  for (const c of tests) {
    if (!NEGATED_LITERAL.test(c.operator.toLowerCase()) || c.values.length === 0) return undefined;
    const values = resolvedValues(c.values, key);
    if (values === undefined) return undefined;
    if (GUARD_ACCOUNT_KEYS.has(c.key) && values.every(isAccountId)) accounts.push(...values);
    else if (c.key === 'aws:principalorgid') orgTests.push({ operator: c.operator, values });
    else return undefined;
  }
  const [orgTest] = orgTests;
  if (orgTests.length > 1) return undefined;
  const survivors: Narrowing[] = [];
  if (accounts.length > 0) survivors.push({ ...NO_NARROWING, accounts: new Set(accounts) });
  if (orgTest !== undefined) {
    const ignoreCase = orgTest.operator.toLowerCase().includes('ignorecase');
    const orgs = orgTest.values.map((v) => (ignoreCase ? v.toLowerCase() : v));
    if (!orgs.every(isOrganizationValue)) return undefined;
    survivors.push({ ...NO_NARROWING, organizations: new Set(orgs) });
  }
  return survivors;
}

/** `Bool aws:PrincipalIsAWSService false`: true of every principal of an account (the key is always present). */
function holdsForAccounts(c: PolicyStatement['conditions'][number]): boolean {
  return (
    c.key === 'aws:principalisawsservice' &&
    presentOperator(c.operator, c.key) === 'bool' &&
    c.values.length > 0 &&
    c.values.every((v) => v.toLowerCase() === 'false')
  );
}
