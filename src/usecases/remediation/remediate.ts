import { createHash } from 'node:crypto';
import { messageOf } from '../../core/errors.js';
import { planDigest, planRemediation, type RemediationPlan } from '../../core/remediation/plan.js';
import { parseTrustEntry } from '../../core/trust.js';
import type { RegionSession } from '../aws-port.js';
import type { RecordReader } from '../store-port.js';
import { applyPlan } from './apply-plan.js';
import { holdingKey, type Lease, LOST_CLAIM } from './key-lease.js';
import { openKeyRegion } from './key-region.js';
import { type KeyNow, readKeyNow } from './precheck.js';
import type { RefusalReason, RemediationParts, RemediationRequest, RemediationResult } from './remediation-parts.js';
import { settleKey } from './settle.js';

export { precheck } from './precheck.js';
export type { RefusalReason, RemediationParts, RemediationRequest, RemediationResult } from './remediation-parts.js';

/** The plan for one key as the record holds it (nothing is read from AWS). */
export function planFor(
  record: RecordReader,
  keyArn: string,
  principals: readonly string[] = [],
): RemediationPlan | undefined {
  const key = record.storedKey(keyArn);
  if (key === undefined) return undefined;
  return planRemediation({ key, trusted: record.listTrust().map((t) => parseTrustEntry(t.entry)), principals });
}

/**
 * Applies a plan, safely: the key is claimed first (one remediation or undo of a key at a time, across processes; the
 * claim is renewed while it runs, and confirmed before each write), and what a stopped process left half-done is
 * settled from AWS; the plan is made from the record as it then is; the live
 * policy and grants are read again and must be what the last scan recorded (no blind writes); a key managed as code
 * is refused unless forced; the policy as read is backed up, with an audit row, before anything is written;
 * PutKeyPolicy keeps KMS's lockout safety check; each grant is revoked; the policy is read back and must be what was
 * written. Only then are the findings resolved, as remediated, and the key let go. A failure at any step says exactly
 * what was and was not changed, and nothing is marked remediated that was not.
 */
export async function remediate(parts: RemediationParts, request: RemediationRequest): Promise<RemediationResult> {
  const id = parts.newId();
  return holdingKey(
    parts,
    { keyArn: request.keyArn, claimId: id, action: 'remediate', remediationId: id, actor: request.actor },
    (busy) => refusal('in-progress', busy.message, undefined),
    (lease) => remediateHeld(parts, request, id, lease),
  );
}

async function remediateHeld(
  parts: RemediationParts,
  request: RemediationRequest,
  id: string,
  lease: Lease,
): Promise<RemediationResult> {
  const settling = await settleKey(parts, request.keyArn, request.actor, lease);
  if (settling.lost) return refusal('in-progress', `${LOST_CLAIM}: nothing was changed`, undefined);
  if (settling.unsettled !== undefined) return refusal('aws', settling.unsettled.message, undefined);
  const key = parts.record.storedKey(request.keyArn);
  if (key === undefined) {
    return refusal(
      'unknown-key',
      `the record has no key ${request.keyArn}: scan its account and region first`,
      undefined,
    );
  }
  const plan = planFor(parts.record, request.keyArn, request.principals) as RemediationPlan;
  // A plan shown was one that could be applied: one that differs now (even one with nothing left to do) changed.
  if (request.reviewed !== undefined && planDigest(plan) !== request.reviewed) {
    return refusal(
      'changed-since-review',
      'the plan changed since it was shown (a scan, a trust change or another remediation landed since): nothing was changed; open it again to review the new plan',
      plan,
    );
  }
  if (!plan.ok) return refusal('plan', refusalText(plan), plan);
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return refusal('aws', `cannot reach the key's account: ${messageOf(error)}; nothing was changed`, plan);
  }
  try {
    let now: KeyNow;
    try {
      now = await readKeyNow(parts, region, key, true);
    } catch (error) {
      return refusal('aws', `cannot read the key before changing it (${messageOf(error)}); nothing was changed`, plan);
    }
    const { live, tags, managedBy } = now;
    if (now.drift) {
      return refusal(
        'drift',
        'the key policy changed since the last scan: nothing was changed; scan the key again (kms-sentinel scan --account ' +
          `${key.accountId} --region ${key.region}) and plan again`,
        plan,
      );
    }
    if (managedBy !== undefined && request.forceManaged !== true) {
      return {
        ...refusal(
          'managed-as-code',
          `the key is managed as code (tag ${managedBy}=${tags[managedBy]}): its next deployment would put the exposure back. ` +
            'Put the corrected policy into the template, or apply anyway (--force-managed, or the checkbox in Slack)',
          plan,
        ),
        ...(plan.after === null ? {} : { correctedPolicy: plan.after }),
      };
    }
    // Recorded only while the claim holds the key: one that lost it writes nothing, to the record or to AWS.
    const started = await parts.record.startRemediation(
      {
        id,
        keyArn: key.keyArn,
        accountId: key.accountId,
        region: key.region,
        keyId: key.keyId,
        actor: request.actor,
        reason: request.reason,
        backupPolicy: live,
        backupHash: createHash('sha256').update(live).digest('hex'),
        writtenPolicy: plan.after,
        plan,
      },
      parts.now(),
      lease.holder,
    );
    if (!started) return refusal('in-progress', `${LOST_CLAIM}: nothing was changed`, plan);
    return await applyPlan(parts, request, key, plan, id, region, now.grantIds, lease);
  } finally {
    region.close();
  }
}

function refusal(why: RefusalReason, message: string, plan: RemediationPlan | undefined): RemediationResult {
  return { outcome: 'refused', why, message, plan };
}

function refusalText(plan: RemediationPlan): string {
  const reasons = [
    ...plan.refusals.map((r) => r.reason),
    ...plan.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`),
  ];
  return `the plan is refused, nothing was changed: ${reasons.join('; ')}`;
}
