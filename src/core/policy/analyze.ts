import { accountField } from '../arn.js';
import { globMatches } from '../glob.js';
import { isArnTrusted, type TrustZone } from '../trust.js';
import {
  CROSS_ACCOUNT_ACTIONS,
  compareSeverity,
  coveredActions,
  grantsAllKmsActions,
  type Severity,
  severityOf,
} from './actions.js';
import { type ArnClause, combine, type Narrowing, narrowingOf } from './conditions.js';
import { type DenyRule, denyRulesOf } from './deny.js';
import type { PolicyDocument, PolicyStatement } from './document.js';
import { type Subject, subjectsOf } from './subjects.js';

export interface PolicyFinding {
  readonly principal: string;
  /** The account the principal belongs to; null for public, organization and federated findings. */
  readonly account: string | null;
  readonly statement: string;
  readonly actions: readonly string[];
  readonly severity: Severity;
  readonly public: boolean;
  readonly reason: string;
}

export type NoticeCode =
  | 'no-resource'
  | 'no-action'
  | 'stale-principal'
  | 'no-cross-account-actions'
  | 'unmatchable-condition'
  | 'contradictory-condition';

export interface PolicyNotice {
  readonly statement: string;
  readonly code: NoticeCode;
  readonly message: string;
}

export interface PolicyReport {
  readonly public: boolean;
  readonly findings: readonly PolicyFinding[];
  readonly notices: readonly PolicyNotice[];
}

/** Someone a statement lets in once its conditions and the policy's Deny statements are applied. */
interface Grantee {
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

/** What is known about the key beside its policy. */
export interface KeyContext {
  /** The key's ARN, when known (a scan knows it; a policy checked on its own does not). */
  readonly keyArn?: string | undefined;
}

/** Says which principals outside the trust zone a key policy lets in, and with which actions. */
export function analyzePolicy(policy: PolicyDocument, zone: TrustZone, key: KeyContext = {}): PolicyReport {
  const denies = denyRulesOf(policy.statements, key.keyArn);
  const findings: PolicyFinding[] = [];
  const notices: PolicyNotice[] = [];
  for (const statement of policy.statements) {
    if (!statement.hasResource) {
      notices.push(
        notice(statement, 'no-resource', 'the statement has no "Resource", so it has no effect in a key policy'),
      );
    } else if (statement.actions === undefined) {
      notices.push(notice(statement, 'no-action', 'the statement has no "Action" or "NotAction", so it has no effect'));
    } else if (statement.effect === 'Allow') {
      analyzeAllow(statement, denies, zone, findings, notices);
    }
  }
  findings.sort(
    (a, b) =>
      compareSeverity(a.severity, b.severity) ||
      compare(a.principal, b.principal) ||
      statementOrder(policy, a.statement) - statementOrder(policy, b.statement),
  );
  return { public: findings.some((f) => f.public), findings, notices };
}

function analyzeAllow(
  statement: PolicyStatement,
  denies: readonly DenyRule[],
  zone: TrustZone,
  findings: PolicyFinding[],
  notices: PolicyNotice[],
): void {
  const patterns = statement.actions ?? [];
  const { subjects, stale } = subjectsOf(statement);
  for (const id of stale) {
    notices.push(
      notice(
        statement,
        'stale-principal',
        `${id} is the unique ID of a deleted IAM principal; it grants nobody and can be removed`,
      ),
    );
  }
  const narrowing = narrowingOf(statement.conditions);
  if (narrowing.unmatchable !== undefined) {
    notices.push(
      notice(statement, 'unmatchable-condition', `${narrowing.unmatchable}, so the statement grants nothing`),
    );
    return;
  }
  if (narrowing.accounts !== undefined || narrowing.arnClauses.length > 0 || narrowing.organizations !== undefined) {
    for (const subject of subjects) {
      if (resolve(subject, narrowing).length > 0) continue;
      const who = subject.kind === 'everyone' ? 'no caller' : subject.principal;
      const message =
        subject.kind === 'everyone'
          ? "the statement's conditions contradict each other: they can match no caller, so it grants nothing"
          : `${who} is excluded by the statement's own conditions and gets nothing`;
      notices.push(notice(statement, 'contradictory-condition', message));
    }
  }

  const allowed = coveredActions(patterns, statement.notAction);
  if (allowed.length === 0) {
    const outsiders = subjects.flatMap((s) => resolve(s, narrowing)).filter((g) => !isTrusted(g, zone));
    if (outsiders.length > 0) {
      const names = [...new Set(outsiders.map((g) => g.principal))].join(', ');
      notices.push(
        notice(
          statement,
          'no-cross-account-actions',
          `grants ${names} only actions that have no effect across accounts`,
        ),
      );
    }
    return;
  }

  const granted = new Map<string, { grantee: Grantee; actions: string[] }>();
  for (const group of groupByDeny(allowed, denies)) {
    let effective = narrowing;
    for (const rule of group.rules) if (rule.onlyFor !== undefined) effective = combine(effective, rule.onlyFor);
    for (const subject of subjects) {
      for (const grantee of resolve(subject, effective)) {
        if (isTrusted(grantee, zone) || deniedByName(group.rules, grantee)) continue;
        const entry = granted.get(grantee.principal);
        if (entry === undefined) granted.set(grantee.principal, { grantee, actions: [...group.actions] });
        else entry.actions.push(...group.actions);
      }
    }
  }
  const allKms = !statement.notAction && grantsAllKmsActions(patterns);
  for (const { grantee, actions } of granted.values()) {
    const sorted = CROSS_ACCOUNT_ACTIONS.filter((a) => actions.includes(a));
    const isPublic = grantee.kind === 'public';
    findings.push({
      principal: grantee.principal,
      account: grantee.account,
      statement: statement.label,
      actions: sorted,
      severity: severityOf(sorted, { public: isPublic, allKms }),
      public: isPublic,
      reason: reasonFor(grantee),
    });
  }
}

interface ActionGroup {
  readonly actions: readonly string[];
  readonly rules: readonly DenyRule[];
}

/** Splits the allowed actions by which Deny statements cover them, since each Deny takes away only its own actions. */
function groupByDeny(allowed: readonly string[], denies: readonly DenyRule[]): Iterable<ActionGroup> {
  if (denies.length === 0) return [{ actions: allowed, rules: denies }];
  const groups = new Map<string, { actions: string[]; rules: DenyRule[] }>();
  for (const action of allowed) {
    const rules = denies.filter((r) => r.actions.has(action));
    const key = rules.map((r) => denies.indexOf(r)).join(',');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { actions: [action], rules });
    else group.actions.push(action);
  }
  return groups.values();
}

function resolve(subject: Subject, n: Narrowing): Grantee[] {
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

function deniedByName(rules: readonly DenyRule[], grantee: Grantee): boolean {
  for (const rule of rules) {
    if (rule.onlyFor !== undefined) continue;
    if (rule.principals.has(grantee.principal) || (grantee.account !== null && rule.accounts.has(grantee.account))) {
      return true;
    }
  }
  return false;
}

function isTrusted(grantee: Grantee, zone: TrustZone): boolean {
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

function reasonFor(grantee: Grantee): string {
  switch (grantee.kind) {
    case 'public':
      return grantee.notPrincipal
        ? 'NotPrincipal with Allow lets in every principal not listed, in any account'
        : 'anyone in any AWS account can use the key: Principal "*" with no condition that limits the caller\'s account';
    case 'organization':
      return `organization ${grantee.principal} is not trusted`;
    case 'federated':
      return `identities federated through ${grantee.principal} are outside every trusted account`;
    case 'canonical-user':
      return `canonical user ${grantee.principal} is not an account on the trust list`;
    default:
      return `account ${grantee.account} is not trusted`;
  }
}

function notice(statement: PolicyStatement, code: NoticeCode, message: string): PolicyNotice {
  return { statement: statement.label, code, message };
}

function statementOrder(policy: PolicyDocument, label: string): number {
  return policy.statements.findIndex((s) => s.label === label);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
