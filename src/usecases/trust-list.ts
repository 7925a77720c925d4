import { SentinelError } from '../core/errors.js';
import { judgeKey } from '../core/scan/evaluate-key.js';
import { canonicalTrustText, parseTrustEntry, type TrustEntry } from '../core/trust.js';
import type { FindingChanges, Store, TrustAddition } from './store-port.js';

export interface TrustChange extends FindingChanges {
  readonly entry: TrustEntry;
  /** For an addition: whether the entry is new, was already there, or was taken over from the organization. */
  readonly outcome?: TrustAddition;
  /** The findings the change resolved, and those it opened again. */
  readonly resolvedFingerprints: readonly string[];
  readonly reopenedFingerprints: readonly string[];
}

/** A re-judgement of the stored keys: the totals, and which findings changed. */
export interface Reevaluation extends FindingChanges {
  readonly resolvedFingerprints: string[];
  readonly reopenedFingerprints: string[];
  /** Keys the engine failed on: their findings stand, and an analysis-error item says so. */
  readonly unjudged: number;
}

/** The trust list as the store holds it, parsed. */
export function trustedEntries(store: Store): TrustEntry[] {
  return store.listTrust().map((record) => parseTrustEntry(record.entry));
}

/**
 * Trusts an entry and, in the same transaction, judges every stored key again: findings against what is now
 * trusted resolve at once, without an AWS call.
 */
export function addTrust(store: Store, input: string, note: string | null, actor: string, now: Date): TrustChange {
  const entry = parseTrustEntry(input);
  return store.transaction(() => {
    const outcome = store.addTrust(entry, note, actor, now);
    if (outcome !== 'added') {
      return {
        entry,
        outcome,
        newFindings: 0,
        stillOpen: 0,
        resolved: 0,
        resolvedFingerprints: [],
        reopenedFingerprints: [],
      };
    }
    const changes = reevaluate(store, `trusted: ${entry.text}`, actor, now);
    notifyTrustChange(store, 'trust-added', entry, note, actor, changes, now);
    return { entry, outcome, ...changes };
  });
}

/** Removes an entry and judges every stored key again: findings it covered come back as open. */
export function removeTrust(store: Store, input: string, actor: string, now: Date): TrustChange {
  const entry = parseTrustEntry(input);
  return store.transaction(() => {
    if (!store.removeTrust(entry, actor, now)) {
      throw new SentinelError('not-found', `${entry.text} is not on the trust list; nothing was removed`, {
        hint: 'see-trust-list',
      });
    }
    const changes = reevaluate(store, `untrusted: ${entry.text}`, actor, now);
    notifyTrustChange(store, 'trust-removed', entry, null, actor, changes, now);
    return { entry, ...changes };
  });
}

/**
 * Imports the config file's trusted: entries, each once: an entry new to the file is added, but one the team removed
 * with "trust remove" stays removed (the database is the source of truth once it exists).
 */
export function importTrust(store: Store, entries: readonly string[], now: Date): number {
  const parsed = entries.map(parseTrustEntry);
  return store.transaction(() => {
    const added = store.importConfigTrust(parsed, now);
    if (added.length > 0) reevaluate(store, 'trusted by the config file', 'config', now);
    return added.length;
  });
}

/**
 * Judges every stored key against the store's current trust list and brings its findings in line. A key the engine
 * fails on keeps its findings (failing closed) and gets an analysis-error item.
 */
export function reevaluate(store: Store, cause: string, actor: string, now: Date): Reevaluation {
  const trust = trustedEntries(store);
  const totals: Reevaluation = {
    newFindings: 0,
    stillOpen: 0,
    resolved: 0,
    unjudged: 0,
    resolvedFingerprints: [],
    reopenedFingerprints: [],
  };
  let unjudged = 0;
  let newFindings = 0;
  let stillOpen = 0;
  for (const key of store.storedKeys()) {
    const judgement = judgeKey(key, trust);
    if (!judgement.ok) {
      store.keyUnjudged(key, judgement.message, actor, now);
      unjudged++;
      continue;
    }
    const changes = store.applyEvaluation(key, judgement.findings, cause, actor, now);
    store.resolveKeyItem(key.keyArn, 'analysis-error', 'judged without error', actor, now);
    newFindings += changes.newFindings;
    stillOpen += changes.stillOpen;
    totals.resolvedFingerprints.push(...changes.resolvedFingerprints);
    totals.reopenedFingerprints.push(...changes.reopenedFingerprints);
  }
  return { ...totals, newFindings, stillOpen, resolved: totals.resolvedFingerprints.length, unjudged };
}

function notifyTrustChange(
  store: Store,
  kind: 'trust-added' | 'trust-removed',
  entry: TrustEntry,
  note: string | null,
  actor: string,
  changes: Reevaluation,
  now: Date,
): void {
  store.notify(
    {
      kind,
      entry: canonicalTrustText(entry),
      entryKind: entry.kind,
      by: actor,
      note,
      resolved: changes.resolvedFingerprints,
      reopened: changes.reopenedFingerprints,
    },
    now,
  );
}
