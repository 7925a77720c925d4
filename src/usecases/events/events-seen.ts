import type { KeyEvent } from '../../core/events/key-event.js';
import type { EventSeen } from '../store-port.js';

/**
 * The account-regions whose buses the events came through. An event's time is the sender's word: one that is no
 * date, or later than now, counts as now (a forged far-future time must not hide a broken pipeline for good).
 */
export function seenOf(events: readonly KeyEvent[], now: Date): EventSeen[] {
  const when = (eventTime: string) => {
    const at = Date.parse(eventTime);
    return Number.isNaN(at) || at > now.getTime() ? now.toISOString() : new Date(at).toISOString();
  };
  return events.flatMap((e) => {
    if (e.kind === 'change') {
      return [
        { accountId: e.recipientAccountId, region: e.awsRegion, eventName: e.eventName, eventTime: when(e.eventTime) },
      ];
    }
    if (e.kind === 'rescan')
      return [{ accountId: e.accountId, region: e.region, eventName: e.eventName, eventTime: '' }];
    return [];
  });
}
