import { SentinelError } from '../core/errors.js';
import { evaluateKey } from '../core/scan/evaluate-key.js';
import { parseTrustEntry, type TrustEntry, trustZone } from '../core/trust.js';
import type { FindingChanges, Store, TrustAddition } from './store-port.js';

export interface TrustChange extends FindingChanges {
  readonly entry: TrustEntry;
  /** For an addition: whether the entry is new, was already there, or was taken over from the organization. */
  readonly outcome?: TrustAddition;
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
    if (outcome !== 'added') return { entry, outcome, newFindings: 0, stillOpen: 0, resolved: 0 };
    return { entry, outcome, ...reevaluate(store, `trusted: ${entry.text}`, actor, now) };
  });
}

/** Removes an entry and judges every stored key again: findings it covered come back as open. */
export function removeTrust(store: Store, input: string, actor: string, now: Date): TrustChange {
  const entry = parseTrustEntry(input);
  return store.transaction(() => {
    if (!store.removeTrust(entry, actor, now)) {
      throw new SentinelError(
        'not-found',
        `${entry.text} is not on the trust list; nothing was removed (see "kms-sentinel trust list")`,
      );
    }
    return { entry, ...reevaluate(store, `untrusted: ${entry.text}`, actor, now) };
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

/** Judges every stored key against the store's current trust list and brings its findings in line. */
export function reevaluate(store: Store, cause: string, actor: string, now: Date): FindingChanges {
  const trust = trustedEntries(store);
  const totals = { newFindings: 0, stillOpen: 0, resolved: 0 };
  for (const key of store.storedKeys()) {
    const { findings } = evaluateKey(key, trustZone(key.accountId, trust));
    const changes = store.applyEvaluation(key, findings, cause, actor, now);
    totals.newFindings += changes.newFindings;
    totals.stillOpen += changes.stillOpen;
    totals.resolved += changes.resolved;
  }
  return totals;
}
