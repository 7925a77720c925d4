import { createHash } from 'node:crypto';
import { planDigest, planRemediation, type RemediationPlan } from '../../core/remediation/plan.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import { parseTrustEntry } from '../../core/trust.js';
import type { AwsPort, RegionSession } from '../aws-port.js';
import type { Log } from '../log-port.js';
import type { RecordPort } from '../record-port.js';
import type { ScanPlan } from '../scan-plan.js';
import type { RecordReader } from '../store-port.js';
import { holdingKey, type Lease, LOST_CLAIM, logDropped } from './key-lease.js';
import { messageOf, openKeyRegion } from './key-region.js';
import { settleKey } from './settle.js';

export interface RemediationParts {
  readonly record: RecordPort;
  readonly aws: AwsPort;
  readonly plan: ScanPlan;
  readonly now: () => Date;
  /** Waits `ms` on the clock `now` reads, or until `signal` aborts (the claim's heartbeat); real time by default. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly newId: () => string;
  /** Tags that mark a key as managed as code (beside aws:cloudformation:stack-name). */
  readonly iacTags: readonly string[];
  /** Where a write dropped because its holder lost the key is said (the CLI prints its result instead). */
  readonly log?: Log;
}

export interface RemediationRequest {
  readonly keyArn: string;
  /** Only these principals' findings; every finding of the key when empty. */
  readonly principals?: readonly string[];
  readonly actor: string;
  readonly reason: string;
  /** Apply even though the key is managed as code (its next deployment will put the exposure back). */
  readonly forceManaged?: boolean;
  /** The digest of the plan the person reviewed (planDigest): a plan that differs now is refused, not applied. */
  readonly reviewed?: string;
}

/** What happened, in terms a person and a machine can both act on. */
export type RemediationResult =
  | {
      readonly outcome: 'refused';
      readonly why: RefusalReason;
      readonly message: string;
      readonly plan: RemediationPlan | undefined;
      readonly correctedPolicy?: string;
    }
  | {
      readonly outcome: 'applied' | 'failed';
      readonly id: string;
      readonly plan: RemediationPlan;
      /** Plain statements of what was and was not changed in AWS. */
      readonly changed: readonly string[];
      readonly notChanged: readonly string[];
      readonly message: string;
    };

export type RefusalReason =
  | 'unknown-key'
  | 'plan'
  | 'changed-since-review'
  | 'drift'
  | 'managed-as-code'
  | 'aws'
  /** Another remediation or undo of the key is under way (in this process or another sharing the record). */
  | 'in-progress';

const CFN_TAG = 'aws:cloudformation:stack-name';

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
    let live: string;
    let liveGrants: Awaited<ReturnType<RegionSession['listGrants']>>;
    let tags: Record<string, string>;
    try {
      live = await region.getKeyPolicy(key.keyId);
      liveGrants = await region.listGrants(key.keyId);
      tags = await region.listResourceTags(key.keyId);
    } catch (error) {
      return refusal('aws', `cannot read the key before changing it (${messageOf(error)}); nothing was changed`, plan);
    }
    if (live !== key.policy) {
      return refusal(
        'drift',
        'the key policy changed since the last scan: nothing was changed; scan the key again (kms-sentinel scan --account ' +
          `${key.accountId} --region ${key.region}) and plan again`,
        plan,
      );
    }
    const managedBy = [CFN_TAG, ...parts.iacTags].find((t) => Object.hasOwn(tags, t));
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
    return await apply(parts, request, key, plan, id, region, new Set(liveGrants.map((g) => g.grantId)), lease);
  } finally {
    region.close();
  }
}

async function apply(
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

/** What stands in a remediation's way now, read from AWS without changing anything: drift, and code management. */
export async function precheck(
  parts: RemediationParts,
  keyArn: string,
): Promise<{ drift: boolean; managedBy: string | undefined } | { error: string }> {
  const key = parts.record.storedKey(keyArn);
  if (key === undefined) return { error: `the record has no key ${keyArn}` };
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return { error: messageOf(error) };
  }
  try {
    const live = await region.getKeyPolicy(key.keyId);
    const tags = await region.listResourceTags(key.keyId);
    return { drift: live !== key.policy, managedBy: [CFN_TAG, ...parts.iacTags].find((t) => Object.hasOwn(tags, t)) };
  } catch (error) {
    return { error: messageOf(error) };
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
