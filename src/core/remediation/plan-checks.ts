import { messageOf } from '../errors.js';
import { MAX_POLICY_BYTES, type PolicyDocument, parsePolicyText } from '../policy/document.js';
import { evaluateKey } from '../scan/evaluate-key.js';
import type { KeyFinding, KeySnapshot } from '../scan/types.js';
import { type TrustEntry, trustZone } from '../trust.js';
import { canStillManage } from './manage-check.js';
import { accessIdentity, lostTrustedAccess } from './trusted-access.js';
import type { GrantRevocation, PlanCheck } from './types.js';

/** What the checks judge: the key as read and as the plan would leave it. */
export interface CheckSubject {
  readonly key: KeySnapshot;
  readonly trusted: readonly TrustEntry[];
  /** The policy as read, and as it would be written. */
  readonly before: PolicyDocument;
  readonly after: PolicyDocument;
  /** The key as the plan would leave it: the new policy, the grants not revoked. */
  readonly next: KeySnapshot;
  /** The findings the plan fixes, every finding of the key, and those the new key would have. */
  readonly selected: readonly KeyFinding[];
  readonly all: readonly KeyFinding[];
  readonly remaining: readonly KeyFinding[];
}

/** None of the findings being fixed is still there. */
export function fixesFindings({ selected, remaining }: CheckSubject): PlanCheck {
  const fixed = new Set(selected.map(accessIdentity));
  const stillThere = remaining.filter((f) => fixed.has(accessIdentity(f)));
  return {
    name: 'fixes-findings',
    passed: stillThere.length === 0,
    detail:
      stillThere.length === 0
        ? `the new policy lets in none of the ${selected.length} principal${selected.length === 1 ? '' : 's'} being fixed`
        : `the new policy still lets in ${stillThere.map((f) => f.principal).join(', ')}`,
  };
}

/** The new key lets in nobody the old one did not. */
export function noNewFindings({ all, remaining }: CheckSubject): PlanCheck {
  const before = new Set(all.map(accessIdentity));
  const added = remaining.filter((f) => !before.has(accessIdentity(f)));
  return {
    name: 'no-new-findings',
    passed: added.length === 0,
    detail:
      added.length === 0
        ? 'it lets in nobody it did not before'
        : `it would let in ${added.map((f) => f.principal).join(', ')}`,
  };
}

/** Every trusted principal keeps every action it had. */
export function trustedKeepAccess({ key, next, trusted, all }: CheckSubject): PlanCheck {
  const lost = lostTrustedAccess(key, next, trusted, all);
  return {
    name: 'trusted-keep-access',
    passed: lost.length === 0,
    detail:
      lost.length === 0
        ? 'every trusted principal keeps the access it had'
        : `it would take access away from trusted principals: ${lost.join('; ')}`,
  };
}

/** The key's account can still change the key policy. */
export function ownerKeepsControl({ key, before, after }: CheckSubject): PlanCheck {
  const manage = canStillManage(after, key.accountId, key.keyArn, before);
  return { name: 'owner-keeps-control', passed: manage.passed, detail: manage.detail };
}

/** Run in this order on a new policy that is a valid document. */
export const PLAN_CHECKS: readonly ((subject: CheckSubject) => PlanCheck)[] = [
  fixesFindings,
  noNewFindings,
  trustedKeepAccess,
  ownerKeepsControl,
];

/**
 * Judges the new policy and grants with the same trust list before anything is written: first that it is a valid
 * document (nothing else can be judged when it is not), then every check of PLAN_CHECKS.
 */
export function checkPlan(
  key: KeySnapshot,
  trusted: readonly TrustEntry[],
  before: PolicyDocument,
  after: string | null,
  revocations: readonly GrantRevocation[],
  findings: { readonly selected: readonly KeyFinding[]; readonly all: readonly KeyFinding[] },
): PlanCheck[] {
  const text = after ?? key.policy ?? '';
  let model: PolicyDocument;
  try {
    model = parsePolicyText(text);
  } catch (error) {
    return [{ name: 'valid-document', passed: false, detail: messageOf(error) }];
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  const valid: PlanCheck = {
    name: 'valid-document',
    passed: true,
    detail: `valid JSON, ${bytes} of ${MAX_POLICY_BYTES} bytes`,
  };
  const revoked = new Set(revocations.map((r) => r.grantId));
  const next: KeySnapshot = {
    ...key,
    policy: text,
    grants: key.grants?.filter((g) => !revoked.has(g.grantId)) ?? null,
  };
  const remaining = evaluateKey(next, trustZone(key.accountId, trusted)).findings;
  const subject: CheckSubject = { key, trusted, before, after: model, next, ...findings, remaining };
  return [valid, ...PLAN_CHECKS.map((check) => check(subject))];
}
