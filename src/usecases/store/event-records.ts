/** An event taken from the queue, as the record counts it per account-region (the bus it came through). */
export interface EventSeen {
  readonly accountId: string;
  readonly region: string;
  readonly eventName: string;
  /** When CloudTrail says the call was made. */
  readonly eventTime: string;
}

/** The last event seen from one account-region, and how many came. */
export interface EventSourceRecord {
  readonly accountId: string;
  readonly region: string;
  readonly lastEventAt: string;
  readonly lastEventName: string;
  readonly lastSeenAt: string;
  readonly events: number;
}

/**
 * An account-region where a scan saw a key's access change that no event announced since `since` (the events queue
 * was first read): its events do not reach the queue.
 */
export interface SilentSource {
  readonly accountId: string;
  readonly region: string;
  /** The latest change a scan saw first. */
  readonly changedAt: string;
  readonly keyArn: string;
  /** The last event seen from there (null: none ever). */
  readonly lastEventAt: string | null;
}
