import { judgeKey } from '../../core/scan/evaluate-key.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { Store } from '../store-port.js';
import { trustedEntries } from '../trust-list.js';

export interface RemediationOutcome {
  readonly id: string;
  readonly status: 'applied' | 'failed' | 'undone';
  /** What was and was not changed, for people and machines. */
  readonly outcome: unknown;
  readonly revoked?: readonly string[];
  /** The key as it now is in AWS, when something was written: its findings follow it. */
  readonly key: KeySnapshot | undefined;
  /** Why its findings change: `remediated <id>` or `undone <id>`. */
  readonly cause: string;
  readonly actor: string;
  readonly now: Date;
  /** The claim on the key to let go with the outcome (see Store.claimKey). */
  readonly release?: { readonly keyArn: string; readonly claimId: string };
}

/**
 * Records how a remediation ended, in one transaction: the key as it now is, its findings judged again (those the
 * remediation fixed resolve with its cause; an undo opens them again), the remediation's status and audit row, and
 * the release of the claim on the key. Runs where the write connection is.
 */
export function recordRemediationOutcome(store: Store, o: RemediationOutcome): void {
  store.transaction(() => {
    if (o.key !== undefined) {
      store.replaceKey(o.key, o.now);
      const judgement = judgeKey(o.key, trustedEntries(store));
      if (judgement.ok) store.applyEvaluation(o.key, judgement.findings, o.cause, o.actor, o.now);
      else store.keyUnjudged(o.key, judgement.message, o.actor, o.now);
    }
    store.finishRemediation(o.id, o.status, o.outcome, o.revoked, o.actor, o.now);
    const r = store.remediation(o.id);
    if (r !== undefined) {
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
    }
    if (o.release !== undefined) store.releaseKey(o.release.keyArn, o.release.claimId);
  });
}
