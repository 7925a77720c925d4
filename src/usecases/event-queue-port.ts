/** A message taken from the events queue: its body, the handle that settles it, and how often it was handed out. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly handle: string;
  readonly body: string;
  /** How many times the queue has handed it out, this time included (SQS's ApproximateReceiveCount). */
  readonly receiveCount: number;
  /** When it was put on the queue (SQS's SentTimestamp). */
  readonly sentAt: Date;
}

/** How full the queue is, and since when its oldest message waits. */
export interface QueueDepth {
  readonly waiting: number;
  readonly inFlight: number;
  /**
   * The dead-letter queue the queue's redrive policy sends messages to after repeated failures, and how many wait
   * there (null: the queue has no redrive policy).
   */
  readonly deadLetter: { readonly queueUrl: string; readonly waiting: number } | null;
}

/**
 * The queue CloudTrail's KMS events arrive on (SQS, fed by EventBridge). Messages are handed out for a while
 * (visibility) and come back unless deleted: a consumer deletes each once what it asked for is recorded.
 */
export interface EventQueuePort {
  /** Up to `max` messages, waiting up to `waitSeconds` for one; `signal` ends the wait early (none then). */
  receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<QueuedMessage[]>;
  /** Deletes these messages; returns the handles that could not be deleted (already gone, or handed out again). */
  delete(handles: readonly string[]): Promise<string[]>;
  /** Hands a message out again after `seconds` (to read its key again later), instead of its visibility timeout. */
  retryAfter(handle: string, seconds: number): Promise<void>;
  depth(): Promise<QueueDepth>;
  /**
   * Proves the queue can be read (sqs:ReceiveMessage and sqs:GetQueueAttributes) without taking anything from it: a
   * message it sees stays visible (it does count one more receive).
   */
  probe(): Promise<void>;
  close(): void;
}
