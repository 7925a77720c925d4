import { messageOf } from '../../core/errors.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { RegionSession } from '../aws-port.js';
import type { RemediationRecord } from '../store-port.js';
import { holdingKey, type Lease, LOST_CLAIM, logDropped } from './key-lease.js';
import { openKeyRegion } from './key-region.js';
import { grantsStayRevoked, undoneOutcome } from './record-outcome.js';
import type { RemediationParts } from './remediation-parts.js';
import { readKey, settleKey, settleUndo } from './settle.js';

export type UndoResult =
  | {
      readonly outcome: 'undone';
      readonly id: string;
      readonly message: string;
      readonly grantsNotRestored: readonly string[];
    }
  | {
      readonly outcome: 'refused';
      readonly message: string;
      readonly backup?: string;
      /** Set when another remediation or undo of the key is under way. */
      readonly why?: 'in-progress';
    };

/**
 * Puts a remediation's backup back, while the live policy is still exactly what it wrote. It claims the key as a
 * remediation does (and settles what a stopped process left half-done first), and records the remediation `undoing`,
 * with what it is about to write, before it writes: an undo a crash interrupts is settled from AWS afterwards (see
 * settleKey). Revoked grants cannot be restored by AWS: undo says so and lists them with what they allowed.
 */
export async function undoRemediation(parts: RemediationParts, id: string, actor: string): Promise<UndoResult> {
  const found = parts.record.remediation(id);
  if (found === undefined) return { outcome: 'refused', message: `there is no remediation ${id} (see "remediations")` };
  return holdingKey(
    parts,
    { keyArn: found.keyArn, claimId: parts.newId(), action: 'undo', remediationId: id, actor },
    (busy): UndoResult => ({ outcome: 'refused', why: 'in-progress', message: busy.message }),
    (lease) => undoHeld(parts, id, actor, lease),
  );
}

async function undoHeld(parts: RemediationParts, id: string, actor: string, lease: Lease): Promise<UndoResult> {
  const was = parts.record.remediation(id) as RemediationRecord;
  const settling = await settleKey(parts, lease.holder.keyArn, actor, lease);
  if (settling.lost) return { outcome: 'refused', message: `${LOST_CLAIM}: nothing was changed` };
  if (settling.unsettled !== undefined) return { outcome: 'refused', message: settling.unsettled.message };
  // Read again now that the key is held: another process may have undone it, or a settling applied it.
  const r = parts.record.remediation(id) as RemediationRecord;
  const grants = grantsText(r);
  if (was.status === 'undoing' && r.status === 'undone') {
    return {
      outcome: 'undone',
      id,
      message: `remediation ${id} undone: an undo interrupted earlier had put the backup back (read from AWS now)${grants}`,
      grantsNotRestored: r.revoked,
    };
  }
  if (r.status !== 'applied')
    return { outcome: 'refused', message: `remediation ${id} is ${r.status}: only an applied one can be undone` };
  const key = parts.record.storedKey(r.keyArn);
  if (key === undefined)
    return { outcome: 'refused', message: `the key ${r.keyArn} is no longer in the record`, backup: r.backupPolicy };
  const lost: UndoResult = {
    outcome: 'refused',
    message: `${LOST_CLAIM}: nothing was changed`,
    backup: r.backupPolicy,
  };
  if (r.writtenPolicy === null) {
    // Only grants were revoked: nothing is written to AWS.
    const recorded = await parts.record.recordRemediationOutcome(
      undoneOutcome(id, {
        from: ['applied'],
        outcome: { grantsNotRestored: r.revoked },
        key: undefined,
        actor,
        now: parts.now(),
        holder: lease.holder,
        release: true,
      }),
    );
    if (!recorded) {
      logDropped(parts, lease, id, `the undo of remediation ${id}`);
      return lost;
    }
    return undone(r, `remediation ${id} undone: the key policy is the backup again${grants}`);
  }
  let region: RegionSession;
  try {
    region = await openKeyRegion(parts, key);
  } catch (error) {
    return { outcome: 'refused', message: `cannot reach the key's account: ${messageOf(error)}; nothing was changed` };
  }
  try {
    return await putBackup(parts, r, key, region, actor, lease, lost);
  } finally {
    region.close();
  }
}

async function putBackup(
  parts: RemediationParts,
  r: RemediationRecord,
  key: KeySnapshot,
  region: RegionSession,
  actor: string,
  lease: Lease,
  lost: UndoResult,
): Promise<UndoResult> {
  const id = r.id;
  let live: string;
  try {
    live = await region.getKeyPolicy(key.keyId);
  } catch (error) {
    return { outcome: 'refused', message: `undo failed (${messageOf(error)}); the key policy was not changed` };
  }
  if (live !== r.writtenPolicy) {
    return {
      outcome: 'refused',
      message:
        'the key policy changed since the remediation wrote it: undo would overwrite that change, so nothing was changed. The backup follows; decide by hand',
      backup: r.backupPolicy,
    };
  }
  // Recorded before AWS is written, while the claim holds the key: an undo interrupted from here on is settled from
  // what AWS shows; one whose holder lost the key writes nothing.
  if (!(await parts.record.startUndo(id, r.backupPolicy, actor, parts.now(), lease.holder))) return lost;
  try {
    await region.putKeyPolicy(key.keyId, r.backupPolicy);
  } catch (error) {
    return afterFailedWrite(parts, r, key, region, actor, lease, messageOf(error));
  }
  let back: KeySnapshot;
  let unread: string | undefined;
  try {
    back = await readKey(region, key);
  } catch (error) {
    unread = messageOf(error);
    back = { ...key, policy: r.backupPolicy };
  }
  // Recorded only while the claim holds the key: a holder that lost it records nothing, and the new holder settles
  // the undo from AWS.
  const recorded = await parts.record.recordRemediationOutcome(
    undoneOutcome(id, {
      from: ['undoing'],
      outcome: {
        changed: [`the key policy is the backup again${unread === undefined ? '' : ' (not read back)'}`],
        notChanged: grantsStayRevoked(r.revoked),
        ...(unread === undefined ? { restored: back.policy === r.backupPolicy } : {}),
      },
      key: back,
      actor,
      now: parts.now(),
      holder: lease.holder,
      release: true,
    }),
  );
  if (!recorded) {
    logDropped(parts, lease, id, `the undo of remediation ${id}`);
    return undone(
      r,
      `remediation ${id} undone: the backup was written, but ${LOST_CLAIM}, and settles the undo from AWS`,
    );
  }
  return undone(
    r,
    unread === undefined
      ? `remediation ${id} undone: the key policy is the backup again${grantsText(r)}`
      : `remediation ${id} undone: the backup was written, but the key could not be read back (${unread}); scan the key to confirm`,
  );
}

/**
 * PutKeyPolicy answered with an error, which does not always mean AWS did not take the policy (a timeout, a connection
 * cut): the key is read again and the undo recorded as it shows (see settleUndo). One that cannot be read stays
 * `undoing`, to be settled before the next remediation or undo of the key, or by the bot as it starts.
 */
async function afterFailedWrite(
  parts: RemediationParts,
  r: RemediationRecord,
  key: KeySnapshot,
  region: RegionSession,
  actor: string,
  lease: Lease,
  failure: string,
): Promise<UndoResult> {
  let now: KeySnapshot;
  try {
    now = await readKey(region, key);
  } catch (error) {
    return {
      outcome: 'refused',
      message:
        `undo failed (${failure}), and whether AWS took the backup cannot be read now (${messageOf(error)}): the ` +
        'remediation stays undoing until it is settled from AWS, before the next remediation or undo of the key or when the bot starts',
      backup: r.backupPolicy,
    };
  }
  const undoing = parts.record.remediation(r.id) as RemediationRecord;
  const result = await settleUndo(parts, undoing, now, actor, lease, `its PutKeyPolicy answered ${failure}`);
  if (result === 'dropped') {
    logDropped(parts, lease, r.id, `the undo of remediation ${r.id}`);
    return {
      outcome: 'refused',
      message: `undo failed (${failure}), and ${LOST_CLAIM}, and settles the undo from AWS`,
    };
  }
  if (result === 'undone') {
    return undone(
      r,
      `remediation ${r.id} undone: PutKeyPolicy answered ${failure}, but the key policy read back is the backup${grantsText(r)}`,
    );
  }
  return {
    outcome: 'refused',
    message:
      result === 'not-undone'
        ? `undo failed (${failure}); the key policy was not changed`
        : `undo failed (${failure}), and the key policy is now neither the backup nor the one the remediation wrote: scan the key`,
    backup: r.backupPolicy,
  };
}

function undone(r: RemediationRecord, message: string): UndoResult {
  return { outcome: 'undone', id: r.id, message, grantsNotRestored: r.revoked };
}

function grantsText(r: RemediationRecord): string {
  const lost = r.plan.revocations.map((g) => `${g.grantId} (${g.grantee}: ${g.operations.join(', ')})`);
  return lost.length === 0
    ? ''
    : `. AWS cannot restore revoked grants; recreate them if they are still needed: ${lost.join('; ')}`;
}
