import type { KeySnapshot } from '../../core/scan/types.js';
import type { RegionSession } from '../aws-port.js';
import type { RemediationRecord } from '../store-port.js';
import { holdingKey } from './key-lease.js';
import { messageOf, openKeyRegion } from './key-region.js';
import type { RemediationOutcome } from './record-outcome.js';
import type { RemediationParts } from './remediate.js';

/** What settling found: how many it settled, and the undos whose key is now neither as before nor as after. */
export interface Settling {
  readonly settled: number;
  /** Undos interrupted that left the key with a policy nobody recorded: a scan reads it. */
  readonly drifted: readonly { readonly id: string; readonly keyArn: string }[];
  /** Keys another process holds: try again then (when their claims go stale unless renewed); undefined: none. */
  readonly retryAt: Date | undefined;
}

const unfinished = (r: RemediationRecord) => r.status === 'applying' || r.status === 'undoing';

/**
 * Remediations and undos a stopped process left unfinished (killed or crashed between writing and recording): each key
 * is claimed, read again, and what was left recorded as AWS now shows it (see settleKey). A key another process holds
 * is left to it (its claim says when to try again); one that cannot be read stays for later.
 */
export async function settleInterrupted(parts: RemediationParts, actor: string): Promise<Settling> {
  const left = () => parts.record.remediations(1000).filter(unfinished);
  const before = left().length;
  const drifted: { id: string; keyArn: string }[] = [];
  let retryAt: Date | undefined;
  for (const keyArn of new Set(left().map((r) => r.keyArn))) {
    await holdingKey(
      parts,
      { keyArn, claimId: parts.newId(), action: 'settle', remediationId: null, actor },
      (busy) => {
        if (retryAt === undefined || busy.staleAt < retryAt) retryAt = busy.staleAt;
      },
      async () => {
        const found = await settleKey(parts, keyArn, actor);
        drifted.push(...found.drifted.map((id) => ({ id, keyArn })));
      },
    );
  }
  return { settled: before - left().length, drifted, retryAt };
}

/**
 * Settles what a key's remediations and undos left unfinished, held by the caller: as no one else holds the key,
 * whoever started them stopped before recording how they ended. A remediation left `applying` is recorded as AWS now
 * shows it: applied when the policy is the one it wrote and every planned grant is gone, else failed, saying which;
 * its findings follow the key. An undo left `undoing` is done when the policy is the backup it was writing (its
 * findings open again, as the undo would have opened them), not done when the policy is still the one the remediation
 * wrote, and drifted when it is neither (the key is left for a scan). Returns why they cannot be settled now (AWS
 * cannot be read), and the undos that drifted.
 */
export async function settleKey(
  parts: RemediationParts,
  keyArn: string,
  actor: string,
): Promise<{ unsettled: string | undefined; drifted: string[] }> {
  const left = parts.record.remediations(1000).filter((r) => r.keyArn === keyArn && unfinished(r));
  const key = parts.record.storedKey(keyArn);
  const drifted: string[] = [];
  if (left.length === 0 || key === undefined) return { unsettled: undefined, drifted };
  const cannot = (error: unknown) =>
    `${left.map((r) => `${r.status === 'undoing' ? 'the undo of remediation' : 'remediation'} ${r.id}`).join(', ')} ` +
    `of this key was left unfinished by a process that stopped, and cannot be settled from AWS now (${messageOf(error)}): ` +
    'nothing was changed; try again';
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return { unsettled: cannot(error), drifted };
  }
  try {
    for (const r of left) {
      const now = await readKey(region, key);
      if (r.status === 'applying') {
        await parts.record.recordRemediationOutcome(settled(r, now, actor, parts.now()));
      } else if ((await settleUndo(parts, r, now, actor)) === 'drift') drifted.push(r.id);
    }
    return { unsettled: undefined, drifted };
  } catch (error) {
    return { unsettled: cannot(error), drifted };
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
 * `undone`, `not-undone` (the remediation is `applied` again) or `drift`. `how` says why it is settled this way.
 */
export async function settleUndo(
  parts: RemediationParts,
  r: RemediationRecord,
  now: KeySnapshot,
  actor: string,
  how = 'the undo was interrupted',
): Promise<'undone' | 'not-undone' | 'drift'> {
  const backup = r.undo?.policy ?? r.backupPolicy;
  if (now.policy === backup) {
    await parts.record.recordRemediationOutcome({
      id: r.id,
      status: 'undone',
      outcome: {
        changed: [`the key policy is the backup again (read from AWS: ${how})`],
        notChanged: r.revoked.map((g) => `grant ${g} stays revoked (AWS cannot restore it)`),
        settled: how,
        settledBy: actor,
      },
      key: now,
      cause: `undone ${r.id}`,
      // The undo is the person's who asked for it; the audit row says who settled it.
      actor: r.undo?.actor ?? actor,
      now: parts.now(),
    });
    return 'undone';
  }
  const drift = now.policy !== r.writtenPolicy;
  await parts.record.cancelUndo(
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
  );
  return drift ? 'drift' : 'not-undone';
}

/** How an interrupted remediation ended, from the key as AWS now shows it. */
function settled(r: RemediationRecord, now: KeySnapshot, actor: string, at: Date): RemediationOutcome {
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
  };
}
