import { fingerprintOf, stableHash } from '../findings/fingerprint.js';
import { evaluateKey } from '../scan/evaluate-key.js';
import type { KeyFinding } from '../scan/types.js';
import { trustZone } from '../trust.js';
import { type DraftStatement, draftOf, type PolicyDraft } from './draft.js';
import { narrow } from './narrow.js';
import { checkPlan } from './plan-checks.js';
import { FINDING_RULES, firstRefusal, KEY_RULES, OUTCOME_RULES, STALE_RULES } from './refusal-rules.js';
import { revocationsOf } from './revocations.js';
import { nobodyLeft, removeFindings, removeStale, staleIds } from './statement-edits.js';
import type { PlanRequest, PolicyEdit, Refusal, RemediationPlan } from './types.js';

export type { GrantRevocation, PlanCheck, PlanRequest, PolicyEdit, Refusal, RemediationPlan } from './types.js';

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
  const zone = trustZone(key.accountId, trusted);
  const findings = evaluateKey(key, zone).findings;
  const wanted = new Set(request.principals ?? []);
  const selected = wanted.size === 0 ? findings : findings.filter((f) => wanted.has(f.principal));
  const before = key.policy ?? '';
  const stop = firstRefusal(KEY_RULES, { key, selected });
  if (stop !== undefined) {
    return {
      ...where,
      before,
      after: null,
      edits: [],
      revocations: [],
      fixes: [],
      refusals: [stop],
      checks: [],
      ok: false,
    };
  }
  const draft = draftOf(before);
  const edits: PolicyEdit[] = [];
  const refusals: Refusal[] = [];
  // Each edit is recorded as made; a statement nobody is left in is dropped.
  const record = (statement: DraftStatement, made: readonly PolicyEdit[]) => {
    edits.push(...made);
    if (!nobodyLeft(statement)) return;
    draft.drop(statement.label);
    edits.push({ kind: 'drop-statement', statement: statement.label, why: 'nobody is left in its Principal' });
  };
  for (const [statement, list] of findingsByStatement(draft, selected)) {
    const refused = list.flatMap(
      (f) => firstRefusal(FINDING_RULES, { statement: statement.read, principal: f.principal }) ?? [],
    );
    refusals.push(...refused);
    if (refused.length > 0) continue;
    if (statement.read.principal.everyone) edits.push(narrow(statement, list, zone));
    else record(statement, removeFindings(statement, list, zone));
  }
  // KMS refuses a policy that names a deleted principal (shown as its unique ID): the plan takes those out too.
  for (const statement of draft.statements) {
    for (const id of staleIds(statement)) {
      if (draft.isDropped(statement.label)) break;
      const refusal = firstRefusal(STALE_RULES, { statement: statement.read, principal: id });
      if (refusal !== undefined) refusals.push(refusal);
      else record(statement, [removeStale(statement, id)]);
    }
  }
  const revocations = revocationsOf(selected, key);
  const after = edits.length > 0 ? draft.text() : null;
  const fixes = selected
    .filter(
      (f) => f.source === 'grant' || !refusals.some((r) => r.statement === f.statement && r.principal === f.principal),
    )
    .map(fingerprintOf);
  const checks = checkPlan(key, trusted, draft.model, after, revocations, { selected, all: findings });
  const nothing = firstRefusal(OUTCOME_RULES, { edits, revocations, refusals });
  return {
    ...where,
    before,
    after,
    edits,
    revocations,
    fixes,
    refusals: nothing === undefined ? refusals : [nothing],
    checks,
    ok: edits.length + revocations.length > 0 && refusals.length === 0 && checks.every((c) => c.passed),
  };
}

/** The selected policy findings, by the statement they are in, in the order first found. */
function findingsByStatement(draft: PolicyDraft, selected: readonly KeyFinding[]): Map<DraftStatement, KeyFinding[]> {
  const byStatement = new Map<DraftStatement, KeyFinding[]>();
  for (const f of selected) {
    const statement = f.source === 'policy' && f.statement !== null ? draft.statement(f.statement) : undefined;
    if (statement !== undefined) byStatement.set(statement, [...(byStatement.get(statement) ?? []), f]);
  }
  return byStatement;
}

/**
 * What a plan would do, as one short text: the policy it starts from, the one it writes, the grants it revokes. A person who reviewed a
 * plan approves this digest; a plan computed later with another digest is not the one they saw.
 */
export function planDigest(plan: RemediationPlan): string {
  return stableHash(JSON.stringify([plan.before, plan.after, plan.revocations.map((r) => r.grantId).sort()]));
}
