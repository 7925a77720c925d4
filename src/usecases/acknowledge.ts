import { SentinelError } from '../core/errors.js';
import type { Store, StoredFinding } from './store-port.js';

export interface Acknowledgement {
  readonly fingerprint: string;
  readonly reason: string;
  /** An ISO date or time; the acknowledgement ends then and the finding is open again. */
  readonly until: string | undefined;
  readonly actor: string;
  readonly now: Date;
}

/** Acknowledges a finding for a reason, optionally until a date. Shared by the CLI and the bot. */
export function acknowledge(store: Store, ack: Acknowledgement): StoredFinding {
  const reason = ack.reason.trim();
  if (reason === '') throw new SentinelError('usage', 'an acknowledgement needs a reason');
  let until: Date | null = null;
  if (ack.until !== undefined) {
    until = new Date(ack.until);
    if (Number.isNaN(until.getTime())) {
      throw new SentinelError(
        'usage',
        `${JSON.stringify(ack.until)} is not a date; use YYYY-MM-DD or an ISO 8601 time`,
      );
    }
    if (until.getTime() <= ack.now.getTime()) throw new SentinelError('usage', `${ack.until} is already past`);
  }
  return store.acknowledge(ack.fingerprint, ack.actor, reason, until, ack.now);
}
