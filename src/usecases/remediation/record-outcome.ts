import { judgeKey } from '../../core/scan/evaluate-key.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { HeldKey, RemediationStatus, Store } from '../store-port.js';
import { trustedEntries } from '../trust-list.js';

export interface RemediationOutcome {
  readonly id: string;
  readonly status: 'applied' | 'failed' | 'undone';
  /** The state its writer read it in: the outcome is recorded only if the remediation is still in one of them. */
  readonly from: readonly RemediationStatus[];
  /** What was and was not changed, for people and machines. */
  readonly outcome: unknown;
  readonly revoked?: readonly string[];
  /** The key as it now is in AWS, when something was written: its findings follow it. */
  readonly key: KeySnapshot | undefined;
  /** Why its findings change: `remediated <id>` or `undone <id>`. */
  readonly cause: string;
  readonly actor: string;
  readonly now: Date;
  /** The writer's claim on the key: the outcome is recorded only while it holds the key (see Store.claimKey). */
  readonly holder: HeldKey;
  /** Lets the claim go with the outcome (a remediation or undo that ends with it). */
  readonly release?: boolean;
}

/** An undo's outcome: the remediation `undone`, its findings opened again with the key as it now is. */
export function undoneOutcome(
  id: string,
  fields: Omit<RemediationOutcome, 'id' | 'status' | 'cause' | 'revoked'>,
): RemediationOutcome {
  return { id, status: 'undone', cause: `undone ${id}`, ...fields };
}

/** What an undo cannot give back: the grants the remediation revoked (AWS cannot restore a grant). */
export function grantsStayRevoked(revoked: readonly string[]): string[] {
  return revoked.map((g) => `grant ${g} stays revoked (AWS cannot restore it)`);
}

/**
 * Records how a remediation ended, in one transaction: the key as it now is, its findings judged again (those the
 * remediation fixed resolve with its cause; an undo opens them again), the remediation's status and audit row, and
 * the release of the claim on the key. Only while the writer's claim still holds the key (renewed by this write) and
 * the remediation is still in the state the writer read: else nothing is written and it returns false (a holder that
 * lost the key to another process, whose outcome the new holder records). Runs where the write connection is.
 */
export function recordRemediationOutcome(store: Store, o: RemediationOutcome): boolean {
  return store.transaction(() => {
    if (!store.renewKey(o.holder.keyArn, o.holder.claimId, o.now)) return false;
    const r = store.remediation(o.id);
    if (r === undefined || !o.from.includes(r.status)) return false;
    if (o.key !== undefined) {
      store.replaceKey(o.key, o.now);
      const judgement = judgeKey(o.key, trustedEntries(store));
      if (judgement.ok) store.applyEvaluation(o.key, judgement.findings, o.cause, o.actor, o.now);
      else store.keyUnjudged(o.key, judgement.message, o.actor, o.now);
    }
    if (!store.finishRemediation(o.id, o.status, o.from, o.outcome, o.revoked, o.actor, o.now)) {
      throw new Error(`remediation ${o.id} changed state while its outcome was being recorded`);
    }
    const words = o.outcome as { changed?: string[]; notChanged?: string[] };
    store.notify(
      {
        kind: `remediation-${o.status}`,
        remediationId: o.id,
        keyArn: r.keyArn,
        accountId: r.accountId,
        by: o.actor,
        changed: words.changed ?? [],
        notChanged: words.notChanged ?? [],
        fingerprints: r.plan.fixes,
      },
      o.now,
    );
    if (o.release === true) store.releaseKey(o.holder.keyArn, o.holder.claimId);
    return true;
  });
}
