import { messageOf } from '../../core/errors.js';
import type { RegionRescan } from '../../core/events/read-plan.js';
import type { EventConsumerParts } from './event-consumer.js';
import type { HandleLedger } from './handle-ledger.js';

/** A rescan's messages stay out of sight this long at a time while it runs. */
const RESCAN_HOLD_SECONDS = 900;

type RescanParts = Pick<EventConsumerParts, 'queue' | 'rescans' | 'sleep' | 'log' | 'now' | 'onRecheck'>;

/**
 * Scans an account-region for events that are too many, or name no key. The scan runs on after the batch; its
 * messages are settled when it lands.
 */
export function startRescan(parts: RescanParts, rescan: RegionRescan, ledger: HandleLedger): void {
  const { accountId, region, handles } = rescan;
  const started = parts.rescans.start(accountId, region);
  const report = (detail: string) =>
    parts.onRecheck?.({
      at: parts.now().toISOString(),
      keyArn: '',
      accountId,
      region,
      events: [...new Set(handles.map((h) => ledger.eventNameOf(h)))],
      outcome: 'rescan',
      newFindings: 0,
      resolved: 0,
      stillOpen: 0,
      detail,
    });
  if (started === undefined) {
    for (const h of handles) ledger.later(h, 60);
    report('a scan is running; the account-region is scanned once it ends');
    return;
  }
  // The scan runs on; its messages are settled when it lands, not with this batch. They are kept out of sight
  // while it runs (a scan may outlast the queue's visibility timeout), and deleted once it is recorded complete.
  for (const h of handles) ledger.detach(h);
  report('scanning the account-region');
  const scanning = new AbortController();
  void holdWhileScanning(parts, handles, scanning.signal);
  void started
    .then(async (complete) => {
      scanning.abort();
      if (complete) await parts.queue.delete(handles);
      else await handBack(parts, handles, 60);
    })
    .catch((error: unknown) => {
      scanning.abort();
      parts.log.warn(
        { event: 'events', accountId, region, error: messageOf(error) },
        'a rescan for events failed; its events come back to be handled again',
      );
    });
}

/** Keeps a rescan's messages invisible while it runs: RESCAN_HOLD_SECONDS at a time, renewed halfway. */
async function holdWhileScanning(parts: RescanParts, handles: readonly string[], signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await handBack(parts, handles, RESCAN_HOLD_SECONDS);
    await parts.sleep((RESCAN_HOLD_SECONDS * 1000) / 2, signal).catch(() => undefined);
  }
}

/** Makes messages visible again in `seconds`; a failure is logged (the visibility timeout then decides). */
async function handBack(parts: RescanParts, handles: readonly string[], seconds: number): Promise<void> {
  for (const handle of handles) {
    try {
      await parts.queue.retryAfter(handle, seconds);
    } catch (error) {
      parts.log.warn(
        { event: 'events', error: messageOf(error) },
        'an event could not be held back; it may be handled again sooner',
      );
      return;
    }
  }
}
