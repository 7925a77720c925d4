import { messageOf } from '../../core/errors.js';
import type { RemediationPlan } from '../../core/remediation/plan.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { RegionSession } from '../aws-port.js';
import { type Lease, LOST_CLAIM, logDropped } from './key-lease.js';

import type { RemediationParts, RemediationRequest, RemediationResult } from './remediation-parts.js';

/**
 * Writes a plan whose backup is recorded: the policy, then each grant's revocation, each only while the claim still
 * holds the key; reads the key back; records the outcome (only while the claim holds) and lets the key go.
 */
export async function applyPlan(
  parts: RemediationParts,
  request: RemediationRequest,
  key: KeySnapshot,
  plan: RemediationPlan,
  id: string,
  region: RegionSession,
  liveGrants: ReadonlySet<string>,
  lease: Lease,
): Promise<RemediationResult> {
  const changed: string[] = [];
  const notChanged: string[] = [];
  const revoked: string[] = [];
  let policyWritten = false;
  let failure: string | undefined;
  // Another process took the key over (this one was too slow to renew its claim): it writes nothing more, and records
  // nothing: the new holder settles from AWS what it did.
  let lost = false;
  const stillHeld = async () => {
    lost ||= !(await lease.confirm());
    if (lost) failure ??= `${LOST_CLAIM}: it stopped before writing more, and the new holder settles this from AWS`;
    return !lost;
  };
  if (plan.after !== null && (await stillHeld())) {
    try {
      await region.putKeyPolicy(key.keyId, plan.after);
      policyWritten = true;
      changed.push('the key policy was replaced with the planned one');
    } catch (error) {
      failure = `PutKeyPolicy failed (${messageOf(error)})`;
      notChanged.push('the key policy was not changed');
    }
  }
  if (plan.after !== null && lost) notChanged.push('the key policy was not changed');
  for (const grant of plan.revocations) {
    if (failure !== undefined || !(await stillHeld())) {
      notChanged.push(`grant ${grant.grantId} was not revoked`);
      continue;
    }
    if (!liveGrants.has(grant.grantId)) {
      changed.push(`grant ${grant.grantId} was already gone`);
      revoked.push(grant.grantId);
      continue;
    }
    try {
      await region.revokeGrant(key.keyId, grant.grantId);
      revoked.push(grant.grantId);
      changed.push(`grant ${grant.grantId} was revoked`);
    } catch (error) {
      failure = `RevokeGrant ${grant.grantId} failed (${messageOf(error)})`;
      notChanged.push(`grant ${grant.grantId} was not revoked`);
    }
  }
  let current: KeySnapshot | undefined;
  if (policyWritten || revoked.length > 0) {
    try {
      const policy = await region.getKeyPolicy(key.keyId);
      const grants = await region.listGrants(key.keyId);
      current = { ...key, policy, grants };
      if (policyWritten && policy !== plan.after) {
        failure ??= 'the policy read back is not the one written (someone changed it meanwhile?)';
      }
    } catch (error) {
      failure ??= `cannot read the key back (${messageOf(error)})`;
      // What was certainly written is recorded; the next scan reads the rest.
      current = {
        ...key,
        policy: policyWritten ? plan.after : key.policy,
        grants: key.grants?.filter((g) => !revoked.includes(g.grantId)) ?? null,
      };
    }
  }
  const status = failure === undefined ? 'applied' : 'failed';
  // Recorded only while the claim still holds the key, checked in the same transaction: a holder that lost it records
  // nothing over what the new holder records (it settles from AWS what this one did).
  const recorded =
    !lost &&
    (await parts.record.recordRemediationOutcome({
      id,
      status,
      from: ['applying'],
      outcome: { changed, notChanged, ...(failure === undefined ? {} : { failure }) },
      revoked,
      // Only what is now true in AWS is recorded: the findings follow the key as read back.
      key: current,
      cause: `remediated ${id}`,
      actor: request.actor,
      now: parts.now(),
      holder: lease.holder,
      release: true,
    }));
  if (!recorded) {
    logDropped(parts, lease, id, `the outcome of remediation ${id}`);
    const dropped = `${LOST_CLAIM}: this one records nothing, and the new holder settles from AWS what it did`;
    failure = lost ? failure : failure === undefined ? dropped : `${failure}; ${dropped}`;
  }
  const message =
    failure === undefined
      ? `remediation ${id} applied: ${changed.join('; ')}`
      : `remediation ${id} failed: ${failure}. Changed: ${changed.length === 0 ? 'nothing' : changed.join('; ')}. Not changed: ${notChanged.join('; ') || 'nothing'}`;
  return { outcome: recorded ? status : 'failed', id, plan, changed, notChanged, message };
}
