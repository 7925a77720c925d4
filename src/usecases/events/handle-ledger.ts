import { messageOf } from '../../core/errors.js';
import type { EventQueuePort, QueuedMessage } from '../event-queue-port.js';
import type { Log } from '../log-port.js';

/**
 * What becomes of each message of a batch. A message is deleted once everything it asked for is recorded; one that
 * must be read again later comes back after that many seconds; one whose read failed comes back with a backoff that
 * grows with its receive count (after enough receives, the queue's redrive policy moves it to the dead-letter queue).
 */
export interface HandleLedger {
  done(handle: string): void;
  later(handle: string, seconds: number): void;
  failed(handle: string): void;
  /** Settled elsewhere (by a rescan that runs on): the batch leaves it alone. */
  detach(handle: string): void;
  eventNameOf(handle: string): string;
  sentAt(handle: string): number;
  receiveCount(handle: string): number;
  /** Deletes what is done, hands back what is not; a message with any part not done is not deleted. */
  finish(queue: EventQueuePort, log: Log): Promise<void>;
}

/** SQS keeps a message invisible for at most 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** `eventNames`: the event each message holds, by handle (as the consumer parsed it). */
export function handleLedger(
  messages: ReadonlyMap<string, QueuedMessage>,
  eventNames: ReadonlyMap<string, string>,
): HandleLedger {
  const later = new Map<string, number>();
  const done = new Set<string>();
  const detached = new Set<string>();
  const message = (handle: string) => messages.get(handle) as QueuedMessage;
  const retry = (handle: string, seconds: number) =>
    later.set(handle, Math.max(later.get(handle) ?? 0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(seconds))));
  return {
    done: (handle) => done.add(handle),
    later: retry,
    failed: (handle) => retry(handle, 30 * 2 ** Math.min(10, message(handle).receiveCount - 1)),
    detach: (handle) => detached.add(handle),
    eventNameOf: (handle) => eventNames.get(handle) ?? 'unknown',
    sentAt: (handle) => message(handle).sentAt.getTime(),
    receiveCount: (handle) => message(handle).receiveCount,
    async finish(queue, log) {
      const settled = [...done].filter((h) => !later.has(h) && !detached.has(h));
      const failed = settled.length === 0 ? [] : await queue.delete(settled);
      for (const h of failed) {
        // Handed out again meanwhile (its visibility ran out): the next read of it finds the record up to date.
        log.info({ event: 'events', messageId: message(h).messageId }, 'a settled message could not be deleted');
      }
      for (const [handle, seconds] of later) {
        if (detached.has(handle)) continue;
        await queue.retryAfter(handle, seconds).catch((error: unknown) => {
          log.info(
            { event: 'events', messageId: message(handle).messageId, error: messageOf(error) },
            'a message could not be handed back early; it returns after its visibility timeout',
          );
        });
      }
    },
  };
}
