import { accountField, isAccountId, isUniqueId } from '../arn.js';
import { fingerprintOf, stableHash } from '../findings/fingerprint.js';
import { globMatches } from '../glob.js';
import { analyzePolicy } from '../policy/analyze.js';
import { MAX_POLICY_BYTES, type PolicyDocument, type PolicyStatement, parsePolicyText } from '../policy/document.js';
import { parseStrictJson } from '../policy/json-text.js';
import { evaluateKey } from '../scan/evaluate-key.js';
import type { KeyFinding, KeySnapshot } from '../scan/types.js';
import { type TrustEntry, type TrustZone, trustZone } from '../trust.js';
import { canStillManage } from './manage-check.js';

/** One change the plan makes to the key policy, for people and for the record. */
export type PolicyEdit =
  | { readonly kind: 'remove-principal'; readonly statement: string; readonly principal: string; readonly why: string }
  | { readonly kind: 'drop-statement'; readonly statement: string; readonly why: string }
  | {
      readonly kind: 'narrow';
      readonly statement: string;
      /** The accounts `kms:CallerAccount` now allows. */
      readonly callerAccounts: readonly string[];
      /** Condition values taken out (untrusted accounts, organizations, ARN patterns). */
      readonly removed: readonly string[];
      readonly why: string;
    }
  | { readonly kind: 'remove-stale'; readonly statement: string; readonly principal: string; readonly why: string }
  | { readonly kind: 'keep-trusted'; readonly statement: string; readonly principal: string; readonly why: string };

export interface GrantRevocation {
  readonly grantId: string;
  readonly grantee: string;
  readonly retiringPrincipal: string | null;
  readonly operations: readonly string[];
  readonly why: string;
}

export interface PlanCheck {
  readonly name:
    | 'fixes-findings'
    | 'no-new-findings'
    | 'trusted-keep-access'
    | 'owner-keeps-control'
    | 'valid-document';
  readonly passed: boolean;
  readonly detail: string;
}

export interface Refusal {
  readonly principal: string;
  readonly statement: string | null;
  readonly reason: string;
}

export interface RemediationPlan {
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  /** The policy as read, and as it would be written (null: the policy stays as it is; only grants change). */
  readonly before: string;
  readonly after: string | null;
  readonly edits: readonly PolicyEdit[];
  readonly revocations: readonly GrantRevocation[];
  /** Fingerprints of the findings the plan fixes. */
  readonly fixes: readonly string[];
  readonly refusals: readonly Refusal[];
  readonly checks: readonly PlanCheck[];
  /** True when it may be applied: something to do, nothing refused, every check passed. */
  readonly ok: boolean;
}

export interface PlanRequest {
  readonly key: KeySnapshot;
  readonly trusted: readonly TrustEntry[];
  /** Only the findings of these principals; every finding of the key when empty. */
  readonly principals?: readonly string[];
}

type Json = Record<string, unknown>;

/**
 * The smallest change to a key policy (and its grants) that ends the key's findings: untrusted principals removed
 * from the Allow statements that name them (a statement dropped only when nobody is left in it), statements open to
 * everyone narrowed with kms:CallerAccount to the key's own account and the trusted accounts already among their
 * narrowing values, foreign grants revoked. Deny statements, the key's own account, services and statements without
 * findings are never touched. The new policy is judged again before the plan may be applied. Pure.
 */
export function planRemediation(request: PlanRequest): RemediationPlan {
  const { key, trusted } = request;
  const where = { keyArn: key.keyArn, accountId: key.accountId, region: key.region, keyId: key.keyId };
  const before = key.policy;
  if (before === null) {
    return refused(where, '', [
      {
        principal: '*',
        statement: null,
        reason: 'the key policy could not be read: there is nothing to edit until it can',
      },
    ]);
  }
  const zone = trustZone(key.accountId, trusted);
  const findings = evaluateKey(key, zone).findings;
  const wanted = new Set(request.principals ?? []);
  const selected = wanted.size === 0 ? findings : findings.filter((f) => wanted.has(f.principal));
  const refusals: Refusal[] = [];
  if (selected.some((f) => f.kind === 'unparseable-policy')) {
    return refused(where, before, [
      { principal: '*', statement: null, reason: 'the key policy cannot be parsed: it must be fixed by hand' },
    ]);
  }
  const model = parsePolicyText(before);
  const doc = parseStrictJson(before.charCodeAt(0) === 0xfeff ? before.slice(1) : before) as Json;
  const raw = Array.isArray(doc.Statement) ? (doc.Statement as Json[]) : [doc.Statement as Json];
  const edits: PolicyEdit[] = [];
  const dropped = new Set<number>();
  const byStatement = new Map<number, KeyFinding[]>();
  for (const f of selected.filter((x) => x.source === 'policy')) {
    const index = model.statements.findIndex((s) => s.label === f.statement);
    byStatement.set(index, [...(byStatement.get(index) ?? []), f]);
  }
  for (const [index, list] of byStatement) {
    const statement = model.statements[index] as PolicyStatement;
    const json = raw[index] as Json;
    if (statement.notPrincipal) {
      for (const f of list) {
        refusals.push({
          principal: f.principal,
          statement: statement.label,
          reason: `statement "${statement.label}" uses NotPrincipal with Allow: it lets in everyone it does not list, and no removal can fix that; rewrite it with Principal and conditions`,
        });
      }
      continue;
    }
    if (statement.principal.everyone) {
      edits.push(narrow(statement, json, list, zone));
      continue;
    }
    for (const f of list) {
      if (f.kind === 'principal-pattern' && removePattern(json, f.principal)) {
        edits.push({
          kind: 'narrow',
          statement: statement.label,
          callerAccounts: [],
          removed: [f.principal],
          why: f.reason,
        });
        continue;
      }
      // A pattern that is the condition's last value cannot go (the principals it narrows would be let in whole):
      // the untrusted principals of its account go instead, and the condition stays as it was.
      const account = f.kind === 'principal-pattern' ? accountField(f.principal) : undefined;
      const names = account === undefined ? [f.principal] : principalsOfAccount(json, account, zone);
      for (const name of names) {
        if (removePrincipal(json, name)) {
          edits.push({ kind: 'remove-principal', statement: statement.label, principal: name, why: f.reason });
        }
      }
      // A whole account was let in, and the trust list names principals of it: they got in through it, so they are
      // named instead, and keep their access (cross-account use still needs their own account's IAM policy).
      if (f.kind === 'account' && f.account !== null) {
        for (const trustedPrincipal of [...zone.principals].sort()) {
          if (accountField(trustedPrincipal) !== f.account || !NAMEABLE.test(trustedPrincipal)) continue;
          if (!addPrincipal(json, trustedPrincipal)) continue;
          edits.push({
            kind: 'keep-trusted',
            statement: statement.label,
            principal: trustedPrincipal,
            why: `trusted, it got in through account ${f.account}: it is named instead, and keeps its access`,
          });
        }
      }
    }
    if (principalIsEmpty(json)) {
      dropped.add(index);
      edits.push({ kind: 'drop-statement', statement: statement.label, why: 'nobody is left in its Principal' });
    }
  }
  // KMS refuses a policy that names a deleted principal (shown as its unique ID): the plan takes those out too.
  for (const [index, statement] of model.statements.entries()) {
    if (dropped.has(index)) continue;
    const json = raw[index] as Json;
    for (const id of statement.principal.aws.filter(isUniqueId)) {
      if (statement.effect === 'Deny') {
        refusals.push({
          principal: id,
          statement: statement.label,
          reason: `Deny statement "${statement.label}" names a deleted principal (${id}); KMS would refuse the new policy, and Deny statements are never edited: remove it by hand`,
        });
        continue;
      }
      removePrincipal(json, id);
      edits.push({
        kind: 'remove-stale',
        statement: statement.label,
        principal: id,
        why: 'the unique ID of a deleted principal: it grants nobody, and KMS refuses a new policy that names one',
      });
      if (principalIsEmpty(json)) {
        dropped.add(index);
        edits.push({ kind: 'drop-statement', statement: statement.label, why: 'nobody is left in its Principal' });
      }
    }
  }
  const revocations = revocationsOf(selected, key);
  const policyChanged = edits.length > 0;
  if (policyChanged) {
    const kept = raw.filter((_, i) => !dropped.has(i));
    doc.Statement = Array.isArray(doc.Statement) || kept.length !== 1 ? kept : kept[0];
  }
  const after = policyChanged ? JSON.stringify(doc, null, 2) : null;
  const fixes = selected
    .filter(
      (f) => f.source === 'grant' || !refusals.some((r) => r.statement === f.statement && r.principal === f.principal),
    )
    .map(fingerprintOf);
  const checks = selfCheck(key, model, after, revocations, trusted, selected, findings);
  const nothing = edits.length === 0 && revocations.length === 0;
  return {
    ...where,
    before,
    after,
    edits,
    revocations,
    fixes,
    refusals:
      nothing && refusals.length === 0
        ? [{ principal: '*', statement: null, reason: 'nothing to remediate: no finding of this key is selected' }]
        : refusals,
    checks,
    ok: !nothing && refusals.length === 0 && checks.every((c) => c.passed),
  };
}

function refused(
  where: Pick<RemediationPlan, 'keyArn' | 'accountId' | 'region' | 'keyId'>,
  before: string,
  refusals: Refusal[],
): RemediationPlan {
  return { ...where, before, after: null, edits: [], revocations: [], fixes: [], refusals, checks: [], ok: false };
}

/**
 * Narrows a statement open to everyone: first the untrusted values of its own narrowing go (accounts,
 * organizations, ARN patterns); if it still lets in someone untrusted (or nothing narrows it any more), it is
 * narrowed with kms:CallerAccount to the key's account and the trusted accounts it already named.
 */
function narrow(statement: PolicyStatement, json: Json, findings: readonly KeyFinding[], zone: TrustZone): PolicyEdit {
  const { keyAccount, accounts: trusted } = zone;
  const condition = (json.Condition ?? {}) as Record<string, Record<string, unknown>>;
  const removed: string[] = [];
  const callerAccounts = new Set<string>([keyAccount]);
  const untrustedNamed = new Set(findings.map((f) => f.principal));
  let accountNarrowed = false;
  for (const [operator, block] of Object.entries(condition)) {
    for (const [conditionKey, value] of Object.entries(block)) {
      const lower = conditionKey.toLowerCase();
      if (ACCOUNT_KEYS.has(lower)) accountNarrowed = true;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      let keep = values;
      if (ACCOUNT_KEYS.has(lower)) {
        for (const v of values) if (isAccountId(v) && trusted.has(v)) callerAccounts.add(v);
        keep = values.filter((v) => isAccountId(v) && trusted.has(v));
      } else if (lower === 'aws:principalorgid' || lower === 'aws:principalorgpaths') {
        keep = values.filter((v) => !untrustedNamed.has(v));
      } else if (lower === 'aws:principalarn') {
        keep = values.filter(
          (v) => zone.principals.has(v) || (!untrustedNamed.has(v) && !untrustedAccountPattern(v, trusted, keyAccount)),
        );
      }
      removed.push(...values.filter((v) => !keep.includes(v)));
      if (keep.length === values.length) continue;
      if (keep.length === 0) delete block[conditionKey];
      else block[conditionKey] = Array.isArray(value) ? keep : keep[0];
    }
    if (Object.keys(block).length === 0) delete condition[operator];
  }
  const narrowed = Object.keys(condition).length > 0;
  if (narrowed) json.Condition = condition;
  else delete json.Condition;
  const accounts = [...callerAccounts].sort((a, b) =>
    a === keyAccount ? -1 : b === keyAccount ? 1 : a.localeCompare(b),
  );
  // Narrowed by account, it is narrowed to the key's account and the trusted accounts it named; narrowed otherwise
  // (a trusted organization, say), what is left stands unless it still lets in someone untrusted.
  if (accountNarrowed || !narrowed || statementFindings(json, zone) > 0) {
    for (const block of Object.values(condition)) {
      for (const conditionKey of Object.keys(block))
        if (ACCOUNT_KEYS.has(conditionKey.toLowerCase())) delete block[conditionKey];
    }
    for (const [operator, block] of Object.entries(condition))
      if (Object.keys(block).length === 0) delete condition[operator];
    const equals = (condition.StringEquals ?? {}) as Record<string, unknown>;
    equals['kms:CallerAccount'] = accounts.length === 1 ? accounts[0] : accounts;
    condition.StringEquals = equals;
    json.Condition = condition;
    return {
      kind: 'narrow',
      statement: statement.label,
      callerAccounts: accounts,
      removed,
      why: findings.map((f) => f.reason).join('; '),
    };
  }
  return {
    kind: 'narrow',
    statement: statement.label,
    callerAccounts: [],
    removed,
    why: findings.map((f) => f.reason).join('; '),
  };
}

/** Principals a key policy can name for good: IAM users and roles (not sessions, not federated users). */
const NAMEABLE = /^arn:[a-z-]+:iam::\d{12}:(user|role)\/[^*?]+$/;

const ACCOUNT_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount', 'aws:sourceaccount']);

/** How many principals outside the trust zone one statement, on its own, lets in. */
function statementFindings(json: Json, zone: TrustZone): number {
  const text = JSON.stringify({ Version: '2012-10-17', Statement: [json] });
  return analyzePolicy(parsePolicyText(text), zone).findings.length;
}

function untrustedAccountPattern(pattern: string, trusted: ReadonlySet<string>, keyAccount: string): boolean {
  const account = accountField(pattern);
  return account !== undefined && account !== keyAccount && !trusted.has(account);
}

/**
 * The principal entries of the statement that belong to `account` (its ID, its root, its users and roles), less
 * those the trust list names one by one.
 */
function principalsOfAccount(json: Json, account: string, zone: TrustZone): string[] {
  const aws = ((json.Principal as Json | undefined)?.AWS ?? []) as string | string[];
  return (Array.isArray(aws) ? aws : [aws]).filter(
    (p) => (p === account || accountField(p) === account) && !zone.principals.has(p),
  );
}

/**
 * Takes an untrusted ARN pattern out of the statement's aws:PrincipalArn values, under every operator; false (and
 * nothing changed) when it is the last value of one of them, or named nowhere.
 */
function removePattern(json: Json, pattern: string): boolean {
  const condition = (json.Condition ?? {}) as Record<string, Record<string, unknown>>;
  const places: { block: Record<string, unknown>; key: string; values: string[]; list: boolean }[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    // A value of a negated operator excludes callers: taking it out would let them in.
    if (/not/i.test(operator)) continue;
    for (const [key, value] of Object.entries(block)) {
      if (key.toLowerCase() !== 'aws:principalarn') continue;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      if (values.includes(pattern)) places.push({ block, key, values, list: Array.isArray(value) });
    }
  }
  if (places.length === 0 || places.some((p) => p.values.every((v) => v === pattern))) return false;
  for (const { block, key, values, list } of places) {
    const kept = values.filter((v) => v !== pattern);
    block[key] = list || kept.length > 1 ? kept : kept[0];
  }
  return true;
}

/** Takes one principal out of a statement's Principal, whatever its type; true when it was there. */
function removePrincipal(json: Json, name: string): boolean {
  const principal = json.Principal as Json | string | undefined;
  if (principal === undefined || typeof principal === 'string') return false;
  let found = false;
  for (const type of Object.keys(principal)) {
    const value = principal[type] as string | string[];
    const list = Array.isArray(value) ? value : [value];
    const kept = list.filter((p) => p !== name);
    if (kept.length === list.length) continue;
    found = true;
    if (kept.length === 0) delete principal[type];
    else principal[type] = Array.isArray(value) ? kept : kept[0];
  }
  return found;
}

/** Adds an AWS principal to a statement's Principal; false when it is already there. */
function addPrincipal(json: Json, name: string): boolean {
  const principal = json.Principal as Json;
  const value = (principal.AWS ?? []) as string | string[];
  const list = Array.isArray(value) ? value : [value];
  if (list.includes(name)) return false;
  principal.AWS = [...list, name];
  return true;
}

function principalIsEmpty(json: Json): boolean {
  const principal = json.Principal;
  return typeof principal === 'object' && principal !== null && Object.keys(principal).length === 0;
}

function revocationsOf(findings: readonly KeyFinding[], key: KeySnapshot): GrantRevocation[] {
  const byGrant = new Map<string, GrantRevocation>();
  for (const f of findings) {
    if (f.source !== 'grant' || f.grantId === null || byGrant.has(f.grantId)) continue;
    const grant = key.grants?.find((g) => g.grantId === f.grantId);
    if (grant === undefined) continue;
    const onlyRetiring =
      f.kind === 'retiring-grantee' && !findings.some((o) => o.grantId === f.grantId && o.kind === 'grantee');
    byGrant.set(f.grantId, {
      grantId: grant.grantId,
      grantee: grant.granteePrincipal,
      retiringPrincipal: grant.retiringPrincipal,
      operations: grant.operations,
      why: onlyRetiring
        ? `its only foreign party is the retiring principal ${grant.retiringPrincipal}, who could delete it; a grant cannot be changed, so it is revoked (create it again without that retiring principal if it is still needed)`
        : f.reason,
    });
  }
  return [...byGrant.values()];
}

/** Judges the new policy and grants with the same trust list before anything is written. */
function selfCheck(
  key: KeySnapshot,
  beforeModel: PolicyDocument,
  after: string | null,
  revocations: readonly GrantRevocation[],
  trusted: readonly TrustEntry[],
  selected: readonly KeyFinding[],
  all: readonly KeyFinding[],
): PlanCheck[] {
  const checks: PlanCheck[] = [];
  const text = after ?? key.policy ?? '';
  let model: PolicyDocument | undefined;
  try {
    model = parsePolicyText(text);
    const bytes = Buffer.byteLength(text, 'utf8');
    checks.push({ name: 'valid-document', passed: true, detail: `valid JSON, ${bytes} of ${MAX_POLICY_BYTES} bytes` });
  } catch (error) {
    checks.push({ name: 'valid-document', passed: false, detail: (error as Error).message });
    return checks;
  }
  const revoked = new Set(revocations.map((r) => r.grantId));
  const next: KeySnapshot = {
    ...key,
    policy: text,
    grants: key.grants?.filter((g) => !revoked.has(g.grantId)) ?? null,
  };
  const remaining = evaluateKey(next, trustZone(key.accountId, trusted)).findings;
  const fixed = new Set(selected.map(identity));
  const stillThere = remaining.filter((f) => fixed.has(identity(f)));
  checks.push({
    name: 'fixes-findings',
    passed: stillThere.length === 0,
    detail:
      stillThere.length === 0
        ? `the new policy lets in none of the ${selected.length} principal${selected.length === 1 ? '' : 's'} being fixed`
        : `the new policy still lets in ${stillThere.map((f) => f.principal).join(', ')}`,
  });
  const before = new Set(all.map(identity));
  const added = remaining.filter((f) => !before.has(identity(f)));
  checks.push({
    name: 'no-new-findings',
    passed: added.length === 0,
    detail:
      added.length === 0
        ? 'it lets in nobody it did not before'
        : `it would let in ${added.map((f) => f.principal).join(', ')}`,
  });
  const lost = lostTrustedAccess(key, next, trusted, all);
  checks.push({
    name: 'trusted-keep-access',
    passed: lost.length === 0,
    detail:
      lost.length === 0
        ? 'every trusted principal keeps the access it had'
        : `it would take access away from trusted principals: ${lost.join('; ')}`,
  });
  const manage = canStillManage(model, key.accountId, key.keyArn, beforeModel);
  checks.push({ name: 'owner-keeps-control', passed: manage.passed, detail: manage.detail });
  return checks;
}

/**
 * What trusted principals would lose: both versions judged with an empty trust list show everyone from outside the
 * key's account; those the real trust list does not report are the trusted ones, and each must keep every action.
 */
function lostTrustedAccess(
  key: KeySnapshot,
  next: KeySnapshot,
  trusted: readonly TrustEntry[],
  untrusted: readonly KeyFinding[],
): string[] {
  if (trusted.length === 0) return [];
  const outsiders = trustZone(key.accountId, []);
  const reported = new Set(untrusted.map(identity));
  const access = (k: KeySnapshot) => {
    const byPrincipal = new Map<string, Set<string>>();
    const add = (id: string, actions: readonly string[]) => {
      const known = byPrincipal.get(id) ?? new Set<string>();
      for (const a of actions) known.add(a);
      byPrincipal.set(id, known);
    };
    for (const f of evaluateKey(k, outsiders).findings) {
      if (!reported.has(identity(f))) add(identity(f), f.actions);
      // A principal the trust list names gets in wherever its whole account does, or an ARN pattern matching it.
      for (const entry of trusted) {
        if (entry.kind !== 'principal') continue;
        const covers =
          f.kind === 'account'
            ? f.account !== null && accountField(entry.arn) === f.account
            : f.kind === 'principal-pattern' && globMatches(f.principal, entry.arn);
        if (covers) add(identity({ ...f, principal: entry.arn }), f.actions);
      }
    }
    return byPrincipal;
  };
  const before = access(key);
  const after = access(next);
  const lost: string[] = [];
  for (const [id, actions] of before) {
    const kept = after.get(id) ?? new Set<string>();
    const gone = [...actions].filter((a) => !kept.has(a));
    if (gone.length > 0) lost.push(`${id.split('|')[2]} (${gone.join(', ')})`);
  }
  return lost;
}

/** Who gets in, and through what: the same principal through the same statement or grant is the same access. */
function identity(f: Pick<KeyFinding, 'source' | 'grantId' | 'principal'>): string {
  return `${f.source}|${f.source === 'grant' ? f.grantId : ''}|${f.principal}`;
}

/**
 * What a plan would do, as one short text: the policy it starts from, the one it writes, the grants it revokes. A person who reviewed a
 * plan approves this digest; a plan computed later with another digest is not the one they saw.
 */
export function planDigest(plan: RemediationPlan): string {
  return stableHash(JSON.stringify([plan.before, plan.after, plan.revocations.map((r) => r.grantId).sort()]));
}
