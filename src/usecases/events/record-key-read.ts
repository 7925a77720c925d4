import { judgeKey } from '../../core/scan/evaluate-key.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { FindingChanges } from '../scan-types.js';
import type { Store } from '../store-port.js';
import { trustedEntries } from '../trust-list.js';

/** A key read again because an event said it changed. */
export interface KeyReread {
  readonly key: KeySnapshot;
  /** When the read began: a reading that began later (a scan's, another event's) is newer and wins. */
  readonly readAt: Date;
  readonly now: Date;
  /** Why the key was read, as the findings' history shows it (the event and who made the call). */
  readonly cause: string;
  readonly actor: string;
}

export interface RereadOutcome extends FindingChanges {
  /** False when the record already holds a newer reading of the key (`setAside` says which). */
  readonly recorded: boolean;
  readonly setAside?: string;
}

const NONE = { newFindings: 0, stillOpen: 0, resolved: 0 };

/**
 * Records one key read again for an event, in one transaction: unless the record holds a newer reading, the key as
 * read (with where the reading came from), and its findings judged again against the trust list of that moment (new
 * ones open and go to the outbox like a scan's; those the read no longer gives resolve). Nothing about other keys
 * changes: only a complete scan resolves what it did not see. Runs where the write connection is.
 */
export function recordKeyRead(store: Store, r: KeyReread): RereadOutcome {
  return store.transaction(() => {
    const newer = store.newerReading(r.key, r.readAt);
    if (newer !== undefined) return { recorded: false, setAside: newer, ...NONE };
    // An event's read does not list the region's aliases: the key keeps those the last scan saw.
    const key = { ...r.key, aliases: store.storedKey(r.key.keyArn)?.aliases ?? r.key.aliases };
    store.replaceKey(key, r.now, r.readAt);
    const judgement = judgeKey(key, trustedEntries(store));
    if (!judgement.ok) {
      store.keyUnjudged(key, judgement.message, r.actor, r.now);
      return { recorded: true, ...NONE };
    }
    const changes = store.applyEvaluation(key, judgement.findings, r.cause, r.actor, r.now);
    let resolved = changes.resolved;
    resolved += store.resolveKeyItem(key.keyArn, 'analysis-error', 'judged without error', r.actor, r.now);
    if (key.policy !== null) {
      resolved += store.resolveKeyItem(key.keyArn, 'unreadable', 'the key policy can be read again', r.actor, r.now);
    }
    return { recorded: true, newFindings: changes.newFindings, stillOpen: changes.stillOpen, resolved };
  });
}
