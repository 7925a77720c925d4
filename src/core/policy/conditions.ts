import { accountField, hasWildcard, isAccountId, isOrganizationId } from '../arn.js';
import type { ConditionClause } from './document.js';

/**
 * What a statement's conditions prove about who the caller can be. Every field is a constraint the caller must
 * meet; `undefined` means "no constraint of that kind".
 */
export interface Narrowing {
  /** The caller's account is one of these (the intersection of every account clause). */
  readonly accounts: ReadonlySet<string> | undefined;
  /** The caller is in one of these organizations. */
  readonly organizations: ReadonlySet<string> | undefined;
  /** Each clause is a list of ARN patterns (ORed) the caller's ARN must match; clauses are ANDed. */
  readonly arnClauses: readonly ArnClause[];
  /** Set when a clause can match no caller at all, with the reason. */
  readonly unmatchable: string | undefined;
}

export interface ArnClause {
  readonly patterns: readonly string[];
  /** Under a `...IgnoreCase` operator the caller's ARN matches a pattern whatever the case of either. */
  readonly ignoreCase: boolean;
}

export const NO_NARROWING: Narrowing = {
  accounts: undefined,
  organizations: undefined,
  arnClauses: [],
  unmatchable: undefined,
};

const ACCOUNT_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner']);
const LITERAL_OPERATORS = new Set(['stringequals', 'stringequalsignorecase']);
const PATTERN_OPERATORS = new Set(['stringlike', 'arnequals', 'arnlike']);

/** Whether an operator narrows on an Allow: positive matching, not `IfExists`, not `ForAllValues:`. */
function matchingMode(operator: string): 'literal' | 'pattern' | undefined {
  let op = operator.toLowerCase();
  if (op.startsWith('forallvalues:') || op.endsWith('ifexists')) return undefined;
  if (op.startsWith('foranyvalue:')) op = op.slice('foranyvalue:'.length);
  if (LITERAL_OPERATORS.has(op)) return 'literal';
  if (PATTERN_OPERATORS.has(op)) return 'pattern';
  return undefined;
}

/** Reads the narrowing from an Allow statement's conditions. Unknown keys never narrow and never widen. */
export function narrowingOf(clauses: readonly ConditionClause[]): Narrowing {
  let narrowing = NO_NARROWING;
  for (const clause of clauses) {
    const mode = matchingMode(clause.operator);
    if (mode === undefined) continue;
    const part = clauseNarrowing(clause, mode);
    if (part !== undefined) narrowing = combine(narrowing, part);
  }
  return narrowing;
}

function clauseNarrowing(clause: ConditionClause, mode: 'literal' | 'pattern'): Narrowing | undefined {
  const { key } = clause;
  const where = `${clause.operator} ${key}`;
  // A policy variable (${aws:ResourceOrgID}, ...) stands for a value only known per request: it narrows nothing;
  // nor does a key given no value at all.
  if (clause.values.length === 0 || clause.values.some((v) => v.includes('${'))) return undefined;
  const ignoreCase = clause.operator.toLowerCase().endsWith('ignorecase');
  const values = ignoreCase ? clause.values.map(foldCase) : clause.values;
  if (mode === 'pattern' && values.some((v) => wildcardBeforeAccount(key, v))) return undefined;

  if (ACCOUNT_KEYS.has(key)) {
    const accounts = values.filter(isAccountId);
    return accounts.length > 0
      ? { ...NO_NARROWING, accounts: new Set(accounts) }
      : { ...NO_NARROWING, unmatchable: `${where} ${show(values)} matches no account` };
  }
  if (key === 'aws:principalarn') {
    const arns = values.filter((v) => accountField(v) !== undefined && (mode === 'pattern' || !hasWildcard(v)));
    return arns.length > 0
      ? { ...NO_NARROWING, arnClauses: [{ patterns: arns, ignoreCase }] }
      : { ...NO_NARROWING, unmatchable: `${where} ${show(values)} matches no principal ARN` };
  }
  if (key === 'aws:principalorgid' || key === 'aws:principalorgpaths') {
    const orgs = values
      .map((v) => (key === 'aws:principalorgid' ? v : (v.split('/')[0] ?? '')))
      .filter(isOrganizationId);
    return orgs.length > 0
      ? { ...NO_NARROWING, organizations: new Set(orgs) }
      : { ...NO_NARROWING, unmatchable: `${where} ${show(values)} matches no organization` };
  }
  return undefined;
}

/**
 * A wildcard that could stand for the account makes a pattern clause useless as a narrowing. For ARNs only
 * wildcards after the account field are harmless; for organization paths, only those after the organization.
 */
function wildcardBeforeAccount(key: string, value: string): boolean {
  if (key === 'aws:principalarn') {
    const fields = value.split(':');
    return fields.length < 6 || fields.slice(0, 5).some(hasWildcard);
  }
  if (key === 'aws:principalorgpaths') return hasWildcard(value.split('/')[0] ?? '');
  return hasWildcard(value);
}

/**
 * Under an IgnoreCase operator, `O-ABC...` matches the organization `o-abc...`. An ARN keeps its case (the match
 * itself ignores case); only its `arn:` prefix is folded, so that its account field can be read.
 */
function foldCase(value: string): string {
  return /^o-/i.test(value) ? value.toLowerCase() : value.replace(/^arn:/i, 'arn:');
}

export function combine(a: Narrowing, b: Narrowing): Narrowing {
  return {
    accounts: intersect(a.accounts, b.accounts),
    organizations: intersect(a.organizations, b.organizations),
    arnClauses: [...a.arnClauses, ...b.arnClauses],
    unmatchable: a.unmatchable ?? b.unmatchable,
  };
}

function intersect(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return new Set([...a].filter((x) => b.has(x)));
}

function show(values: readonly string[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : JSON.stringify(values);
}
