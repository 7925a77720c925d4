import type { KeyEvent } from '../../core/events/key-event.js';
import { type KeyRead, readMeetsExpectations } from '../../core/events/read-plan.js';
import type { QueuedMessage } from '../event-queue-port.js';

/**
 * Which policy puts were overtaken: a read that does not show the policy its events put, while a read already showed
 * a policy put by a later call (and everything else the events said is shown), is not read again for five minutes.
 * Only a policy overtakes, never a grant: a grant seen says nothing of the policy.
 */
export class PolicyOvertakes {
  /** For each key, the call time (ms) of the latest policy put that a read has shown. */
  private readonly shownAt = new Map<string, number>();

  /** Whether this read's policy put was overtaken; notes the put when the read shows it. */
  judge(read: KeyRead, shown: { policy: string | null; grantIds: ReadonlySet<string> }, lastCall: number): boolean {
    const put = read.expect.filter((e) => 'policy' in e);
    if (put.length === 0) return false;
    const rest = read.expect.filter((e) => !('policy' in e));
    if (readMeetsExpectations(put, shown)) {
      this.shownAt.set(read.key.arn, Math.max(lastCall, this.shownAt.get(read.key.arn) ?? 0));
      return false;
    }
    return readMeetsExpectations(rest, shown) && (this.shownAt.get(read.key.arn) ?? 0) > lastCall;
  }

  /** Forgets puts older than `ms` (no message waits that long), so the map never grows with the keys ever changed. */
  forgetBefore(ms: number): void {
    for (const [arn, at] of this.shownAt) if (at < ms) this.shownAt.delete(arn);
  }
}

/** When the call behind a message was made: its event's time, else when the message was sent. */
export function callTime(event: KeyEvent, message: QueuedMessage | undefined): number {
  const at = event.kind === 'change' ? Date.parse(event.eventTime) : Number.NaN;
  return Number.isNaN(at) ? (message?.sentAt.getTime() ?? 0) : at;
}
