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
  /** Set when a clause admits only AWS services calling as their service principal, never a principal of an account. */
  readonly awsServiceOnly: string | undefined;
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
  awsServiceOnly: undefined,
};

const ACCOUNT_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner']);
/**
 * Keys in the request context of every signed request to KMS (IAM's global condition keys reference; KMS's
 * kms:CallerAccount): on them `…IfExists` is the plain operator. Other keys may be absent, and then IfExists matches.
 */
export const ALWAYS_PRESENT_KEYS: ReadonlySet<string> = new Set([
  'kms:calleraccount',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalisawsservice',
]);
const LITERAL_OPERATORS = new Set(['stringequals', 'stringequalsignorecase']);
const PATTERN_OPERATORS = new Set(['stringlike', 'arnequals', 'arnlike']);
const AWS_SERVICE_KEY = 'aws:principalisawsservice';

/**
 * The operator with `…IfExists` taken off when the key is always present; undefined when IfExists leaves the
 * condition open to requests without the key.
 */
export function presentOperator(operator: string, key: string): string | undefined {
  const op = operator.toLowerCase();
  if (!op.endsWith('ifexists')) return op;
  return ALWAYS_PRESENT_KEYS.has(key) ? op.slice(0, -'ifexists'.length) : undefined;
}

/** Whether an operator narrows on an Allow: positive matching, not `ForAllValues:`, IfExists only on present keys. */
function matchingMode(operator: string, key: string): 'literal' | 'pattern' | undefined {
  let op = presentOperator(operator, key);
  if (op === undefined || op.startsWith('forallvalues:')) return undefined;
  if (op.startsWith('foranyvalue:')) op = op.slice('foranyvalue:'.length);
  if (LITERAL_OPERATORS.has(op)) return 'literal';
  if (PATTERN_OPERATORS.has(op)) return 'pattern';
  return undefined;
}

/** `${aws:ResourceOrgID}` when the key's organization is not known: it stands for that one organization. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
export const KEY_ORGANIZATION = '${aws:ResourceOrgID}';

/**
 * `${aws:ResourceAccount}` in a key policy is the key's own account, `${aws:ResourceOrgID}` its organization; any
 * other policy variable stands for a value only known per request. Returns the values with the key's account and
 * organization put in (an organization not known stays as KEY_ORGANIZATION, when it is a whole value), or undefined
 * if a variable is left.
 */
export function resolvedValues(values: readonly string[], zone: KeyIdentity): string[] | undefined {
  const resolved = values.map((v) => {
    let value = v.replace(/\$\{aws:resourceaccount\}/gi, zone.keyAccount);
    if (zone.keyOrganization !== undefined) value = value.replace(/\$\{aws:resourceorgid\}/gi, zone.keyOrganization);
    return value.toLowerCase() === KEY_ORGANIZATION.toLowerCase() ? KEY_ORGANIZATION : value;
  });
  return resolved.some((v) => v !== KEY_ORGANIZATION && v.includes('${')) ? undefined : resolved;
}

/** What the engine knows of the key itself: its account, and its organization when known. */
export interface KeyIdentity {
  readonly keyAccount: string;
  readonly keyOrganization?: string | undefined;
}

/** An organization ID, or the key's own organization when its ID is not known. */
export function isOrganizationValue(value: string): boolean {
  return value === KEY_ORGANIZATION || isOrganizationId(value);
}

/**
 * Reads the narrowing from an Allow statement's conditions, for the key `key` (its account, and its organization when
 * known). Unknown keys never narrow and never widen.
 */
export function narrowingOf(clauses: readonly ConditionClause[], key: KeyIdentity): Narrowing {
  let narrowing = NO_NARROWING;
  for (const clause of clauses) {
    const part = clause.key === AWS_SERVICE_KEY ? awsServiceNarrowing(clause) : accountNarrowing(clause, key);
    if (part !== undefined) narrowing = combine(narrowing, part);
  }
  return narrowing;
}

/** `Bool aws:PrincipalIsAWSService true` admits only AWS services calling with their service principal. */
function awsServiceNarrowing(clause: ConditionClause): Narrowing | undefined {
  if (presentOperator(clause.operator, clause.key) !== 'bool' || clause.values.length === 0) return undefined;
  if (!clause.values.every((v) => v.toLowerCase() === 'true')) return undefined;
  return { ...NO_NARROWING, awsServiceOnly: `${clause.operator} aws:PrincipalIsAWSService "true"` };
}

function accountNarrowing(clause: ConditionClause, key: KeyIdentity): Narrowing | undefined {
  const mode = matchingMode(clause.operator, clause.key);
  if (mode === undefined) return undefined;
  const name = clause.key;
  const where = `${clause.operator} ${name}`;
  const resolved = resolvedValues(clause.values, key);
  // A key given no value narrows nothing, nor does a variable known only per request.
  if (clause.values.length === 0 || resolved === undefined) return undefined;
  const ignoreCase = clause.operator.toLowerCase().includes('ignorecase');
  const values = ignoreCase ? resolved.map(foldCase) : resolved;
  if (mode === 'pattern' && values.some((v) => wildcardBeforeAccount(name, v))) return undefined;

  if (ACCOUNT_KEYS.has(name)) {
    const accounts = values.filter(isAccountId);
    return accounts.length > 0
      ? { ...NO_NARROWING, accounts: new Set(accounts) }
      : { ...NO_NARROWING, unmatchable: `${where} ${show(values)} matches no account` };
  }
  if (name === 'aws:principalarn') {
    const arns = values.filter((v) => accountField(v) !== undefined && (mode === 'pattern' || !hasWildcard(v)));
    return arns.length > 0
      ? { ...NO_NARROWING, arnClauses: [{ patterns: arns, ignoreCase }] }
      : { ...NO_NARROWING, unmatchable: `${where} ${show(values)} matches no principal ARN` };
  }
  if (name === 'aws:principalorgid' || name === 'aws:principalorgpaths') {
    const orgs = values
      .map((v) => (name === 'aws:principalorgid' ? v : (v.split('/')[0] ?? '')))
      .filter(isOrganizationValue);
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
    awsServiceOnly: a.awsServiceOnly ?? b.awsServiceOnly,
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
