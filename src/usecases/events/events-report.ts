import type { QueueDepth } from '../event-queue-port.js';
import type { EventSourceRecord, RecordReader, SilentSource } from '../store-port.js';
import type { ConsumerStatus } from './event-consumer.js';

/** The bot-state key holding when the events queue was first read (changes a scan saw before do not count). */
export const EVENTS_SINCE = 'events.since';

/** What the events pipeline looks like, for `/kms status` and `doctor`. */
export interface EventsReport {
  readonly queueUrl: string;
  /** This process's consumer (undefined: none runs here, as in `doctor`). */
  readonly consumer: ConsumerStatus | undefined;
  /** The queue as last asked (null: not asked yet, or it could not be). */
  readonly depth: (QueueDepth & { readonly at: string }) | null;
  readonly depthError: string | null;
  /** The last event per account-region, latest first (at most 20). */
  readonly sources: readonly EventSourceRecord[];
  readonly sourceCount: number;
  /** Account-regions where scans see changes that no event announced: a broken pipeline. */
  readonly silent: readonly SilentSource[];
}

export function eventsReport(
  record: Pick<RecordReader, 'eventSources' | 'silentSources' | 'botState'>,
  queueUrl: string,
  consumer: ConsumerStatus | undefined,
  depth: EventsReport['depth'],
  depthError: string | null,
): EventsReport {
  const sources = record.eventSources();
  const since = record.botState(EVENTS_SINCE);
  return {
    queueUrl,
    consumer,
    depth,
    depthError,
    sources: sources.slice(0, 20),
    sourceCount: sources.length,
    silent: since === undefined ? [] : record.silentSources(since),
  };
}
