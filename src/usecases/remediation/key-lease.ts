import { setTimeout as wait } from 'node:timers/promises';
import { messageOf } from '../../core/errors.js';
import { CLAIM_RENEW_MS, type HeldKey, type KeyClaim, type KeyClaimHolder } from '../store-port.js';
import type { RemediationParts } from './remediation-parts.js';

/** The claim on a key, held while a remediation, undo or settling runs (see Store.claimKey). */
export interface Lease {
  /** The claim: every write to the record is made under it (see HeldKey). */
  readonly holder: HeldKey;
  /**
   * Renews the claim now: false when another process has taken the key over (this holder had stopped renewing it
   * for CLAIM_LEASE_MS, suspended say), and must then write nothing more, to AWS or to the record.
   */
  confirm(): Promise<boolean>;
}

/** A key held by someone else: who (in words), and when the claim is taken over unless its holder renews it. */
export interface Busy {
  readonly message: string;
  readonly staleAt: Date;
}

/** Waits `ms` of real time, or until `signal` aborts; keeps no process alive. */
export const realSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  wait(ms, undefined, { signal, ref: false }).catch(() => undefined);

/**
 * Runs `work` holding the key, and lets the key go after it whatever happens; the outcome of a remediation or undo
 * lets it go in the same transaction. While `work` runs, the claim is renewed every CLAIM_RENEW_MS on the parts'
 * clock, so that others can tell this holder from one that stopped. A key held elsewhere is `busy`.
 */
export async function holdingKey<T>(
  parts: RemediationParts,
  claim: KeyClaim,
  busy: (held: Busy) => T,
  work: (lease: Lease) => Promise<T>,
): Promise<T> {
  const taken = await parts.record.claimKey(claim, parts.now());
  if (!taken.taken) return busy({ message: heldText(taken.holder), staleAt: new Date(taken.staleAt) });
  let held = true;
  const renew = async () => {
    if (held) held = await parts.record.renewKey(claim.keyArn, claim.claimId, parts.now());
    return held;
  };
  const stop = new AbortController();
  const sleep = parts.sleep ?? realSleep;
  const heartbeat = (async () => {
    while (held) {
      await sleep(CLAIM_RENEW_MS, stop.signal);
      if (stop.signal.aborted) return;
      // The database failing for a moment: the next beat tries again (the claim lapses only after CLAIM_LEASE_MS).
      await renew().catch((error: unknown) => {
        parts.log?.warn(
          { event: 'remediation', key: claim.keyArn, error: messageOf(error) },
          'could not renew the claim on the key; trying again at the next beat',
        );
      });
    }
  })();
  try {
    return await work({ holder: { keyArn: claim.keyArn, claimId: claim.claimId }, confirm: renew });
  } finally {
    stop.abort();
    await heartbeat;
    // A release that fails (the database failing) leaves a claim the next one takes over once its lease is stale.
    await parts.record.releaseKey(claim.keyArn, claim.claimId).catch((error: unknown) => {
      parts.log?.warn(
        { event: 'remediation', key: claim.keyArn, error: messageOf(error) },
        'could not let the key go; another remediation may take it over once its claim is stale (a minute)',
      );
    });
  }
}

function heldText(holder: KeyClaimHolder): string {
  const what =
    holder.action === 'undo'
      ? `undo of remediation ${holder.remediationId}`
      : holder.action === 'settle'
        ? 'settling a remediation a stopped process left unfinished'
        : `remediation ${holder.remediationId}`;
  return (
    `another remediation or undo of this key is under way (${what} by ${holder.actor} since ${holder.claimedAt}, ` +
    `process ${holder.pid} on ${holder.host}, claim last renewed ${holder.renewedAt}): nothing was changed; ` +
    'try again once it has finished'
  );
}

/** Why a holder that lost its claim stopped: it writes nothing more, and the new holder settles what it did from AWS. */
export const LOST_CLAIM =
  'another process took this key over (this one had not renewed its claim in time, as when it is suspended)';

/**
 * A record write dropped because its writer no longer holds the key (or the remediation moved on meanwhile): logged,
 * as nothing else records it; the new holder settles the remediation from AWS.
 */
export function logDropped(parts: RemediationParts, lease: Lease, remediationId: string, what: string): void {
  parts.log?.warn(
    { event: 'remediation', remediation: remediationId, key: lease.holder.keyArn, claim: lease.holder.claimId },
    `${what} was not recorded: ${LOST_CLAIM}, or the remediation was settled meanwhile; the holder of the key records it from AWS`,
  );
}
