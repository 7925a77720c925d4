import { createHash } from 'node:crypto';
import { planDigest, planRemediation, type RemediationPlan } from '../../core/remediation/plan.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import { parseTrustEntry } from '../../core/trust.js';
import { AwsCallError, type AwsPort, type RegionSession } from '../aws-port.js';
import type { RecordPort } from '../record-port.js';
import { roleArnFor, type ScanPlan } from '../scan-plan.js';
import type { RecordReader, RemediationRecord } from '../store-port.js';

export interface RemediationParts {
  readonly record: RecordPort;
  readonly aws: AwsPort;
  readonly plan: ScanPlan;
  readonly now: () => Date;
  readonly newId: () => string;
  /** Tags that mark a key as managed as code (beside aws:cloudformation:stack-name). */
  readonly iacTags: readonly string[];
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

export type RefusalReason = 'unknown-key' | 'plan' | 'changed-since-review' | 'drift' | 'managed-as-code' | 'aws';

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
 * Applies a plan, safely: the live policy and grants are read again and must be what the last scan recorded (no
 * blind writes); a key managed as code is refused unless forced; the policy as read is backed up, with an audit row,
 * before anything is written; PutKeyPolicy keeps KMS's lockout safety check; each grant is revoked; the policy is
 * read back and must be what was written. Only then are the findings resolved, as remediated. A failure at any step
 * says exactly what was and was not changed, and nothing is marked remediated that was not.
 */
export async function remediate(parts: RemediationParts, request: RemediationRequest): Promise<RemediationResult> {
  const key = parts.record.storedKey(request.keyArn);
  if (key === undefined) {
    return refusal(
      'unknown-key',
      `the record has no key ${request.keyArn}: scan its account and region first`,
      undefined,
    );
  }
  const plan = planFor(parts.record, request.keyArn, request.principals) as RemediationPlan;
  if (!plan.ok) return refusal('plan', refusalText(plan), plan);
  if (request.reviewed !== undefined && planDigest(plan) !== request.reviewed) {
    return refusal(
      'changed-since-review',
      'the plan changed since it was shown (a scan or a trust change landed since): nothing was changed; open it again to review the new plan',
      plan,
    );
  }
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
    const id = parts.newId();
    await parts.record.startRemediation(
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
    );
    return await apply(parts, request, key, plan, id, region, new Set(liveGrants.map((g) => g.grantId)));
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
): Promise<RemediationResult> {
  const changed: string[] = [];
  const notChanged: string[] = [];
  const revoked: string[] = [];
  let policyWritten = false;
  let failure: string | undefined;
  if (plan.after !== null) {
    try {
      await region.putKeyPolicy(key.keyId, plan.after);
      policyWritten = true;
      changed.push('the key policy was replaced with the planned one');
    } catch (error) {
      failure = `PutKeyPolicy failed (${messageOf(error)})`;
      notChanged.push('the key policy was not changed');
    }
  }
  for (const grant of plan.revocations) {
    if (failure !== undefined) {
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
  const message =
    failure === undefined
      ? `remediation ${id} applied: ${changed.join('; ')}`
      : `remediation ${id} failed: ${failure}. Changed: ${changed.length === 0 ? 'nothing' : changed.join('; ')}. Not changed: ${notChanged.join('; ') || 'nothing'}`;
  await parts.record.recordRemediationOutcome({
    id,
    status,
    outcome: { changed, notChanged, ...(failure === undefined ? {} : { failure }) },
    revoked,
    // Only what is now true in AWS is recorded: the findings follow the key as read back.
    key: current,
    cause: `remediated ${id}`,
    actor: request.actor,
    now: parts.now(),
  });
  return { outcome: status, id, plan, changed, notChanged, message };
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

export type UndoResult =
  | {
      readonly outcome: 'undone';
      readonly id: string;
      readonly message: string;
      readonly grantsNotRestored: readonly string[];
    }
  | { readonly outcome: 'refused'; readonly message: string; readonly backup?: string };

/**
 * Puts a remediation's backup back, while the live policy is still exactly what it wrote. Revoked grants cannot be
 * restored by AWS: undo says so and lists them with what they allowed.
 */
export async function undoRemediation(parts: RemediationParts, id: string, actor: string): Promise<UndoResult> {
  const r: RemediationRecord | undefined = parts.record.remediation(id);
  if (r === undefined) return { outcome: 'refused', message: `there is no remediation ${id} (see "remediations")` };
  if (r.status !== 'applied')
    return { outcome: 'refused', message: `remediation ${id} is ${r.status}: only an applied one can be undone` };
  const key = parts.record.storedKey(r.keyArn);
  if (key === undefined)
    return { outcome: 'refused', message: `the key ${r.keyArn} is no longer in the record`, backup: r.backupPolicy };
  const lost = r.plan.revocations.map((g) => `${g.grantId} (${g.grantee}: ${g.operations.join(', ')})`);
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return { outcome: 'refused', message: `cannot reach the key's account: ${messageOf(error)}; nothing was changed` };
  }
  let restored = false;
  try {
    if (r.writtenPolicy !== null) {
      const live = await region.getKeyPolicy(key.keyId);
      if (live !== r.writtenPolicy) {
        return {
          outcome: 'refused',
          message:
            'the key policy changed since the remediation wrote it: undo would overwrite that change, so nothing was changed. The backup follows; decide by hand',
          backup: r.backupPolicy,
        };
      }
      await region.putKeyPolicy(key.keyId, r.backupPolicy);
      restored = true;
      const back = await region.getKeyPolicy(key.keyId);
      const grants = await region.listGrants(key.keyId);
      await parts.record.recordRemediationOutcome({
        id,
        status: 'undone',
        outcome: {
          changed: ['the key policy is the backup again'],
          notChanged: r.revoked.map((g) => `grant ${g} stays revoked (AWS cannot restore it)`),
          restored: back === r.backupPolicy,
        },
        key: { ...key, policy: back, grants },
        cause: `undone ${id}`,
        actor,
        now: parts.now(),
      });
    } else {
      await parts.record.recordRemediationOutcome({
        id,
        status: 'undone',
        outcome: { grantsNotRestored: r.revoked },
        key: undefined,
        cause: `undone ${id}`,
        actor,
        now: parts.now(),
      });
    }
    const grants =
      lost.length === 0
        ? ''
        : `. AWS cannot restore revoked grants; recreate them if they are still needed: ${lost.join('; ')}`;
    return {
      outcome: 'undone',
      id,
      message: `remediation ${id} undone: the key policy is the backup again${grants}`,
      grantsNotRestored: r.revoked,
    };
  } catch (error) {
    if (restored) {
      await parts.record.recordRemediationOutcome({
        id,
        status: 'undone',
        outcome: {
          changed: ['the key policy is the backup again (not read back)'],
          notChanged: r.revoked.map((g) => `grant ${g} stays revoked (AWS cannot restore it)`),
        },
        key: { ...key, policy: r.backupPolicy },
        cause: `undone ${id}`,
        actor,
        now: parts.now(),
      });
      return {
        outcome: 'undone',
        id,
        message: `remediation ${id} undone: the backup was written, but the key could not be read back (${messageOf(error)}); scan the key to confirm`,
        grantsNotRestored: r.revoked,
      };
    }
    return {
      outcome: 'refused',
      message: `undo failed (${messageOf(error)}); the key policy was not changed`,
      backup: r.backupPolicy,
    };
  } finally {
    region.close();
  }
}

async function openKeyRegion(parts: RemediationParts, key: KeySnapshot): Promise<RegionSession> {
  const identity = await parts.aws.callerIdentity();
  const planned = parts.plan.accounts?.find((a) => a.id === key.accountId) ?? {
    id: key.accountId,
    name: undefined,
    roleArn: undefined,
  };
  const session = await parts.aws.openAccount({
    accountId: key.accountId,
    roleArn: roleArnFor(planned, parts.plan, identity),
    externalId: parts.plan.externalId,
  });
  const region = session.region(key.region, AbortSignal.timeout(120_000));
  return {
    ...bind(region),
    close: () => {
      region.close();
      session.close();
    },
  };
}

function bind(region: RegionSession): RegionSession {
  return {
    keyTurn: () => region.keyTurn(),
    listKeyIds: () => region.listKeyIds(),
    aliasesByKey: () => region.aliasesByKey(),
    describeKey: (id) => region.describeKey(id),
    getKeyPolicy: (id) => region.getKeyPolicy(id),
    listGrants: (id) => region.listGrants(id),
    putKeyPolicy: (id, policy) => region.putKeyPolicy(id, policy),
    revokeGrant: (id, grant) => region.revokeGrant(id, grant),
    listResourceTags: (id) => region.listResourceTags(id),
    close: () => region.close(),
  };
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

function messageOf(error: unknown): string {
  if (error instanceof AwsCallError) return `${error.awsCode}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** A remediation still `applying` after this long was interrupted (its process died): it is settled from AWS. */
const INTERRUPTED_AFTER_MS = 10 * 60_000;

/**
 * Remediations a crash left `applying`: each key is read again, and the remediation is recorded as what AWS now
 * shows (applied when the policy is the one written and every planned grant is gone, else failed, saying which),
 * so that its findings follow the key and an applied one can be undone. One that cannot be read stays for later.
 * Returns how many were settled.
 */
export async function settleInterrupted(parts: RemediationParts, actor: string): Promise<number> {
  const now = parts.now();
  const stale = parts.record
    .remediations(1000)
    .filter((r) => r.status === 'applying' && now.getTime() - Date.parse(r.startedAt) > INTERRUPTED_AFTER_MS);
  let settled = 0;
  for (const r of stale) {
    const key = parts.record.storedKey(r.keyArn);
    if (key === undefined) continue;
    let region: RegionSession;
    try {
      region = await openKeyRegion(parts, key);
    } catch {
      continue;
    }
    try {
      const policy = await region.getKeyPolicy(key.keyId);
      const grants = await region.listGrants(key.keyId);
      const present = new Set(grants.map((g) => g.grantId));
      const planned = r.plan.revocations.map((g) => g.grantId);
      const revoked = planned.filter((g) => !present.has(g));
      const written = r.writtenPolicy === null || policy === r.writtenPolicy;
      const state =
        r.writtenPolicy !== null && policy === r.writtenPolicy
          ? 'the key policy is the one it wrote'
          : policy === r.backupPolicy
            ? 'the key policy is still the one it read (the backup)'
            : 'the key policy is neither the one it read nor the one it wrote';
      const applied = written && revoked.length === planned.length;
      const changed = [
        ...(r.writtenPolicy !== null && policy === r.writtenPolicy
          ? ['the key policy was replaced with the planned one']
          : []),
        ...revoked.map((g) => `grant ${g} is gone`),
      ];
      const notChanged = [
        ...(r.writtenPolicy !== null && policy !== r.writtenPolicy ? ['the key policy is not the planned one'] : []),
        ...planned.filter((g) => present.has(g)).map((g) => `grant ${g} was not revoked`),
      ];
      await parts.record.recordRemediationOutcome({
        id: r.id,
        status: applied ? 'applied' : 'failed',
        outcome: {
          changed,
          notChanged,
          failure: applied ? undefined : `interrupted (its process stopped while applying); read again: ${state}`,
          interrupted: true,
        },
        revoked,
        key: { ...key, policy, grants },
        cause: `remediated ${r.id}`,
        actor,
        now: parts.now(),
      });
      settled++;
    } catch {
      // Not readable now: it stays applying, and is looked at again next time.
    } finally {
      region.close();
    }
  }
  return settled;
}
