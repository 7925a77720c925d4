import { isAccountId, isOrganizationId, parsePrincipalArn } from '../arn.js';
import { globMatches } from '../glob.js';
import { coveredActions } from './actions.js';
import { type Narrowing, NO_NARROWING } from './conditions.js';
import type { PolicyStatement } from './document.js';

/** What one Deny statement takes away, and from whom. */
export interface DenyRule {
  readonly label: string;
  readonly actions: ReadonlySet<string>;
  /** For a guard ("deny everyone outside these accounts or this organization"): what survives it. */
  readonly onlyFor: Narrowing | undefined;
  /** For a Deny aimed at named principals: exact principal strings, and accounts denied as a whole. */
  readonly principals: ReadonlySet<string>;
  readonly accounts: ReadonlySet<string>;
}

const GUARD_ACCOUNT_KEYS = new Set(['aws:principalaccount', 'kms:calleraccount']);
const NEGATED_LITERAL = /^stringnotequals(ignorecase)?(ifexists)?$/;

/**
 * Reads the Deny statements a policy can rely on. A Deny never grants; a Deny whose reach cannot be pinned down
 * (other conditions, NotPrincipal) is ignored, so it can only leave a finding in place, never hide one.
 */
export function denyRulesOf(statements: readonly PolicyStatement[], keyArn?: string): DenyRule[] {
  const rules: DenyRule[] = [];
  for (const s of statements) {
    if (s.effect !== 'Deny' || s.actions === undefined || s.notPrincipal || !coversKey(s, keyArn)) continue;
    const actions = new Set(coveredActions(s.actions, s.notAction));
    if (actions.size === 0) continue;
    const base = { label: s.label, actions, principals: new Set<string>(), accounts: new Set<string>() };
    if (s.principal.everyone) {
      const onlyFor = guardOf(s);
      if (onlyFor !== undefined) rules.push({ ...base, onlyFor });
    } else if (s.conditions.length === 0) {
      const named = s.principal.aws;
      const accounts = named.flatMap((p) => {
        if (isAccountId(p)) return [p];
        const arn = parsePrincipalArn(p);
        return arn !== undefined && arn.service === 'iam' && arn.resource === 'root' ? [arn.account] : [];
      });
      rules.push({ ...base, onlyFor: undefined, principals: new Set(named), accounts: new Set(accounts) });
    }
  }
  return rules;
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
 * `Deny "*"` with no condition leaves nobody. With negated account tests only (`StringNotEquals` on
 * aws:PrincipalAccount or kms:CallerAccount, all ANDed), it leaves the accounts any of them lists; with one negated
 * aws:PrincipalOrgID test, that organization. Anything else, a policy variable included, is not relied on.
 */
function guardOf(s: PolicyStatement): Narrowing | undefined {
  if (s.conditions.length === 0) return { ...NO_NARROWING, accounts: new Set() };
  if (!s.conditions.every((c) => NEGATED_LITERAL.test(c.operator.toLowerCase()) && c.values.length > 0)) {
    return undefined;
  }
  if (s.conditions.every((c) => GUARD_ACCOUNT_KEYS.has(c.key))) {
    const values = s.conditions.flatMap((c) => c.values);
    return values.every(isAccountId) ? { ...NO_NARROWING, accounts: new Set(values) } : undefined;
  }
  const [clause] = s.conditions;
  if (s.conditions.length === 1 && clause?.key === 'aws:principalorgid') {
    const orgs = clause.values.map((v) => (clause.operator.toLowerCase().includes('ignorecase') ? v.toLowerCase() : v));
    return orgs.every(isOrganizationId) ? { ...NO_NARROWING, organizations: new Set(orgs) } : undefined;
  }
  return undefined;
}
