import { messageOf } from '../../core/errors.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { RegionSession } from '../aws-port.js';
import type { HeldKey, RemediationRecord } from '../store-port.js';
import { holdingKey, type Lease, logDropped } from './key-lease.js';
import { openKeyRegion } from './key-region.js';
import { grantsStayRevoked, type RemediationOutcome, undoneOutcome } from './record-outcome.js';
import type { RemediationParts } from './remediation-parts.js';

/** What settling found: how many it settled, and what it could not. */
export interface Settling {
  readonly settled: number;
  /** Undos interrupted that left the key with a policy nobody recorded: a scan reads it. */
  readonly drifted: readonly { readonly id: string; readonly keyArn: string }[];
  /** Keys another process holds: try again then (when their claims go stale unless renewed); undefined: none. */
  readonly retryAt: Date | undefined;
  /** Keys whose unfinished remediations could not be settled now (AWS or the record failing): try again later. */
  readonly unsettled: readonly Unsettled[];
  /** Keys another process took over while this one settled them: it records them (this one recorded nothing more). */
  readonly lost: readonly string[];
}

/** A key's unfinished remediations that cannot be settled now, and why. */
export interface Unsettled {
  readonly keyArn: string;
  /** The remediations left `applying` or `undoing`. */
  readonly remediations: readonly string[];
  /** The error met (AWS's code and message, or the record's). */
  readonly error: string;
  /** All of it in a sentence a person can act on. */
  readonly message: string;
}

/** How settling one key went (see settleKey). */
export interface KeySettling {
  readonly settled: number;
  /** Why what is left cannot be settled now; undefined: nothing is left (or the key was lost). */
  readonly unsettled: Unsettled | undefined;
  readonly drifted: string[];
  /** The holder lost the key to another process meanwhile: it recorded nothing more. */
  readonly lost: boolean;
}

const unfinished = (r: RemediationRecord) => r.status === 'applying' || r.status === 'undoing';

/**
 * Remediations and undos a stopped process left unfinished (killed or crashed between writing and recording): each key
 * is claimed, read again, and what was left recorded as AWS now shows it (see settleKey). A key another process holds
 * is left to it (its claim says when to try again); one that cannot be read is said, to be tried again.
 */
export async function settleInterrupted(parts: RemediationParts, actor: string): Promise<Settling> {
  const left = () => parts.record.remediations(1000).filter(unfinished);
  let settled = 0;
  const drifted: { id: string; keyArn: string }[] = [];
  const unsettled: Unsettled[] = [];
  const lost: string[] = [];
  let retryAt: Date | undefined;
  for (const keyArn of new Set(left().map((r) => r.keyArn))) {
    await holdingKey(
      parts,
      { keyArn, claimId: parts.newId(), action: 'settle', remediationId: null, actor },
      (busy) => {
        if (retryAt === undefined || busy.staleAt < retryAt) retryAt = busy.staleAt;
      },
      async (lease) => {
        const found = await settleKey(parts, keyArn, actor, lease);
        settled += found.settled;
        drifted.push(...found.drifted.map((id) => ({ id, keyArn })));
        if (found.unsettled !== undefined) unsettled.push(found.unsettled);
        if (found.lost) lost.push(keyArn);
      },
    );
  }
  return { settled, drifted, retryAt, unsettled, lost };
}

/**
 * Settles what a key's remediations and undos left unfinished, held by the caller (`lease`): as no one else holds the
 * key, whoever started them stopped before recording how they ended. A remediation left `applying` is recorded as AWS
 * now shows it: applied when the policy is the one it wrote and every planned grant is gone, else failed, saying which;
 * its findings follow the key. An undo left `undoing` is done when the policy is the backup it was writing (its
 * findings open again, as the undo would have opened them), not done when the policy is still the one the remediation
 * wrote, and drifted when it is neither (the key is left for a scan). Each is recorded only while the lease holds the
 * key and the remediation is still as read: a holder that lost the key records nothing more (`lost`). Says why what is
 * left cannot be settled now (AWS cannot be read), and which undos drifted.
 */
export async function settleKey(
  parts: RemediationParts,
  keyArn: string,
  actor: string,
  lease: Lease,
): Promise<KeySettling> {
  const left = parts.record.remediations(1000).filter((r) => r.keyArn === keyArn && unfinished(r));
  const key = parts.record.storedKey(keyArn);
  const drifted: string[] = [];
  let settled = 0;
  if (left.length === 0 || key === undefined) return { settled, unsettled: undefined, drifted, lost: false };
  const cannot = (rest: readonly RemediationRecord[], error: unknown): Unsettled => ({
    keyArn,
    remediations: rest.map((r) => r.id),
    error: messageOf(error),
    message:
      `${rest.map((r) => `${r.status === 'undoing' ? 'the undo of remediation' : 'remediation'} ${r.id}`).join(', ')} ` +
      `of this key was left unfinished by a process that stopped, and cannot be settled from AWS now (${messageOf(error)}): ` +
      'nothing was changed; try again',
  });
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return { settled, unsettled: cannot(left, error), drifted, lost: false };
  }
  let at = 0;
  try {
    for (; at < left.length; at++) {
      const r = left[at] as RemediationRecord;
      const now = await readKey(region, key);
      const result =
        r.status === 'applying'
          ? await settleApplying(parts, r, now, actor, lease)
          : await settleUndo(parts, r, now, actor, lease);
      if (result === 'dropped') {
        logDropped(parts, lease, r.id, `settling ${r.status === 'undoing' ? 'the undo of ' : ''}remediation ${r.id}`);
        return { settled, unsettled: undefined, drifted, lost: true };
      }
      settled++;
      if (result === 'drift') drifted.push(r.id);
    }
    return { settled, unsettled: undefined, drifted, lost: false };
  } catch (error) {
    return { settled, unsettled: cannot(left.slice(at), error), drifted, lost: false };
  } finally {
    region.close();
  }
}

/** The key as AWS shows it now (its policy and grants). */
export async function readKey(region: RegionSession, key: KeySnapshot): Promise<KeySnapshot> {
  const policy = await region.getKeyPolicy(key.keyId);
  const grants = await region.listGrants(key.keyId);
  return { ...key, policy, grants };
}

/**
 * Records how an undo recorded `undoing` ended, from the key as AWS now shows it (see settleKey), and says which:
 * `undone`, `not-undone` (the remediation is `applied` again) or `drift`; `dropped` when nothing was recorded, as the
 * lease no longer holds the key (or the remediation is no longer `undoing`). `how` says why it is settled this way.
 */
export async function settleUndo(
  parts: RemediationParts,
  r: RemediationRecord,
  now: KeySnapshot,
  actor: string,
  lease: Lease,
  how = 'the undo was interrupted',
): Promise<'undone' | 'not-undone' | 'drift' | 'dropped'> {
  const backup = r.undo?.policy ?? r.backupPolicy;
  if (now.policy === backup) {
    const recorded = await parts.record.recordRemediationOutcome(
      undoneOutcome(r.id, {
        from: ['undoing'],
        outcome: {
          changed: [`the key policy is the backup again (read from AWS: ${how})`],
          notChanged: grantsStayRevoked(r.revoked),
          settled: how,
          settledBy: actor,
        },
        key: now,
        // The undo is the person's who asked for it; the audit row says who settled it.
        actor: r.undo?.actor ?? actor,
        now: parts.now(),
        holder: lease.holder,
      }),
    );
    return recorded ? 'undone' : 'dropped';
  }
  const drift = now.policy !== r.writtenPolicy;
  const recorded = await parts.record.cancelUndo(
    r.id,
    {
      result: drift ? 'drift' : 'not-undone',
      detail: drift
        ? `${how}, and the key policy is now neither the backup nor the one the remediation wrote: scan the key`
        : `${how}, and the key policy is still the one the remediation wrote: the backup was not put back`,
      settled: how,
      undo: r.undo === null ? null : { actor: r.undo.actor, startedAt: r.undo.startedAt },
    },
    actor,
    parts.now(),
    lease.holder,
  );
  if (!recorded) return 'dropped';
  return drift ? 'drift' : 'not-undone';
}

/** Records a remediation left `applying` as AWS now shows it (see settleKey); `dropped` when nothing was recorded. */
async function settleApplying(
  parts: RemediationParts,
  r: RemediationRecord,
  now: KeySnapshot,
  actor: string,
  lease: Lease,
): Promise<'recorded' | 'dropped'> {
  const recorded = await parts.record.recordRemediationOutcome(asSettled(r, now, actor, parts.now(), lease.holder));
  return recorded ? 'recorded' : 'dropped';
}

/** How an interrupted remediation ended, from the key as AWS now shows it. */
function asSettled(
  r: RemediationRecord,
  now: KeySnapshot,
  actor: string,
  at: Date,
  holder: HeldKey,
): RemediationOutcome {
  const present = new Set((now.grants ?? []).map((g) => g.grantId));
  const planned = r.plan.revocations.map((g) => g.grantId);
  const revoked = planned.filter((g) => !present.has(g));
  const policyWritten = r.writtenPolicy !== null && now.policy === r.writtenPolicy;
  const applied = (r.writtenPolicy === null || policyWritten) && revoked.length === planned.length;
  const state = policyWritten
    ? 'the key policy is the one it wrote'
    : now.policy === r.backupPolicy
      ? 'the key policy is still the one it read (the backup)'
      : 'the key policy is neither the one it read nor the one it wrote';
  return {
    id: r.id,
    status: applied ? 'applied' : 'failed',
    outcome: {
      changed: [
        ...(policyWritten ? ['the key policy was replaced with the planned one'] : []),
        ...revoked.map((g) => `grant ${g} is gone`),
      ],
      notChanged: [
        ...(r.writtenPolicy !== null && !policyWritten ? ['the key policy is not the planned one'] : []),
        ...planned.filter((g) => present.has(g)).map((g) => `grant ${g} was not revoked`),
      ],
      failure: applied ? undefined : `interrupted (its process stopped while applying); read again: ${state}`,
      interrupted: true,
    },
    revoked,
    key: now,
    cause: `remediated ${r.id}`,
    actor,
    now: at,
    from: ['applying'],
    holder,
  };
}
