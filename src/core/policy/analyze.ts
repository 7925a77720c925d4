import type { TrustZone } from '../trust.js';
import {
  CROSS_ACCOUNT_ACTIONS,
  compareSeverity,
  grantsAllKmsActions,
  keyPolicyActions,
  type Severity,
  severityOf,
} from './actions.js';
import { combine, type Narrowing, narrowingOf } from './conditions.js';
import { type DenyRule, denyRulesOf } from './deny.js';
import type { PolicyDocument, PolicyStatement } from './document.js';
import { type Grantee, isTrusted, kindOf, type PolicyFindingKind, reasonFor, resolve } from './grantees.js';
import { subjectsOf } from './subjects.js';

export interface PolicyFinding {
  readonly kind: PolicyFindingKind;
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
  | 'contradictory-condition'
  | 'aws-service-only';

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

/** What is known about the key beside its policy. */
export interface KeyContext {
  /** The key's ARN, when known (a scan knows it; a policy checked on its own does not). */
  readonly keyArn?: string | undefined;
}

/** Says which principals outside the trust zone a key policy lets in, and with which actions. */
export function analyzePolicy(policy: PolicyDocument, zone: TrustZone, key: KeyContext = {}): PolicyReport {
  const denies = denyRulesOf(policy.statements, zone, key.keyArn);
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
  const narrowing = narrowingOf(statement.conditions, zone);
  if (narrowing.unmatchable !== undefined) {
    notices.push(
      notice(statement, 'unmatchable-condition', `${narrowing.unmatchable}, so the statement grants nothing`),
    );
    return;
  }
  if (narrowing.awsServiceOnly !== undefined) {
    // A statement naming only service principals needs no word: it never named an account.
    if (subjects.length === 0) return;
    notices.push(
      notice(
        statement,
        'aws-service-only',
        `${narrowing.awsServiceOnly} matches only AWS services calling with their service principal, never a principal of an account, so the statement grants no account anything${confusedDeputy(statement)}`,
      ),
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

  const allowed = keyPolicyActions(patterns, statement.notAction);
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

  const granted = new Map<string, { grantee: Grantee; actions: Set<string> }>();
  for (const group of groupByDeny(allowed, denies)) {
    for (const effective of survivingNarrowings(narrowing, group.rules)) {
      for (const subject of subjects) {
        for (const grantee of resolve(subject, effective)) {
          if (isTrusted(grantee, zone) || deniedByName(group.rules, grantee)) continue;
          const entry = granted.get(grantee.principal);
          if (entry === undefined) granted.set(grantee.principal, { grantee, actions: new Set(group.actions) });
          else for (const action of group.actions) entry.actions.add(action);
        }
      }
    }
  }
  const allKms = !statement.notAction && grantsAllKmsActions(patterns);
  for (const { grantee, actions } of granted.values()) {
    const sorted = CROSS_ACCOUNT_ACTIONS.filter((a) => actions.has(a));
    const isPublic = grantee.kind === 'public';
    findings.push({
      kind: kindOf(grantee),
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

/**
 * The narrowings callers may meet to get past every guard of a group: the statement's own, combined with one
 * alternative of each guard (a guard's alternatives are ORed, guards are ANDed).
 */
function survivingNarrowings(narrowing: Narrowing, rules: readonly DenyRule[]): Narrowing[] {
  let result = [narrowing];
  for (const rule of rules) {
    const { survivors } = rule;
    if (survivors === undefined) continue;
    result = result.flatMap((n) => survivors.map((alternative) => combine(n, alternative)));
  }
  return result;
}

function deniedByName(rules: readonly DenyRule[], grantee: Grantee): boolean {
  for (const rule of rules) {
    if (rule.survivors !== undefined) continue;
    if (rule.principals.has(grantee.principal) || (grantee.account !== null && rule.accounts.has(grantee.account))) {
      return true;
    }
  }
  return false;
}

/** Without a source condition, any account can have an AWS service use the key on its behalf: say so. */
function confusedDeputy(statement: PolicyStatement): string {
  const tied = statement.conditions.some((c) =>
    ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths'].includes(c.key),
  );
  return tied
    ? ''
    : '; with no aws:SourceAccount, aws:SourceArn or aws:SourceOrgID condition, a service may use it on behalf of any account (a confused deputy)';
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
