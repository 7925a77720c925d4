import { accountField, isAccountId } from '../arn.js';
import { actionMatches } from '../policy/actions.js';
import type { PolicyDocument, PolicyStatement } from '../policy/document.js';

/**
 * Whether the key's account can still change the key policy: an Allow statement without conditions gives
 * kms:PutKeyPolicy (through kms:* or by name) to the account's root or to a principal of its own, covering the key,
 * and no unconditional Deny takes it away. A policy failing this would lock the account out of its own key; unless
 * the policy as it was (`before`) gave that control only under conditions too, and the new one keeps each of those
 * statements exactly: then the account keeps the control it had.
 */
export function canStillManage(
  policy: PolicyDocument,
  account: string,
  keyArn: string,
  before?: PolicyDocument,
): { passed: boolean; detail: string } {
  const grants = (s: PolicyStatement) =>
    s.actions !== undefined &&
    (s.notAction
      ? !s.actions.some((p) => actionMatches(p, 'kms:PutKeyPolicy'))
      : s.actions.some((p) => actionMatches(p, 'kms:PutKeyPolicy')));
  const coversKey = (s: PolicyStatement) =>
    s.resources !== undefined && !s.notResource && s.resources.some((r) => r === '*' || r === keyArn);
  const own = (p: string) => p === account || (!isAccountId(p) && accountField(p) === account);
  const ownersOf = (doc: PolicyDocument, conditioned: boolean) =>
    doc.statements.filter(
      (s) =>
        s.effect === 'Allow' &&
        !s.notPrincipal &&
        s.conditions.length > 0 === conditioned &&
        grants(s) &&
        coversKey(s) &&
        s.principal.aws.some(own),
    );
  const owners = ownersOf(policy, false);
  const sameAs = (s: PolicyStatement) => JSON.stringify({ ...s, label: undefined });
  const kept = before === undefined || ownersOf(before, false).length > 0 ? [] : ownersOf(before, true).map(sameAs);
  const keptAsBefore = kept.length > 0 && kept.every((text) => policy.statements.some((s) => sameAs(s) === text));
  if (owners.length === 0 && !keptAsBefore) {
    return {
      passed: false,
      detail: `no statement without conditions would let account ${account} call kms:PutKeyPolicy: the account would be locked out of its own key`,
    };
  }
  const denied = policy.statements.find(
    (s) =>
      s.effect === 'Deny' &&
      s.conditions.length === 0 &&
      grants(s) &&
      (s.resources === undefined || s.resources.some((r) => r === '*' || r === keyArn)) &&
      (s.notPrincipal ? !s.principal.aws.some(own) : s.principal.everyone || s.principal.aws.some(own)),
  );
  if (denied !== undefined) {
    return { passed: false, detail: `statement "${denied.label}" denies kms:PutKeyPolicy to the key's own account` };
  }
  if (owners.length === 0) {
    return {
      passed: true,
      detail: `account ${account} keeps the control it had: under the conditions of the statements that gave it, which the plan leaves as they are`,
    };
  }
  return { passed: true, detail: `account ${account} can still manage the key (statement "${owners[0]?.label}")` };
}
