import type { HomeView, Message, ModalView } from './blocks/kit.js';

/** What the bot needs from Slack's Web API, in its own terms. The Slack adapter implements it with Bolt's client. */
export interface SlackPort {
  /** Posts a message; `idempotencyKey` goes into the message's metadata so that a repost can be told from a first post. */
  postMessage(
    channel: string,
    message: Message,
    options?: { threadTs?: string; broadcast?: boolean; idempotencyKey?: string },
  ): Promise<{ channel: string; ts: string }>;
  updateMessage(channel: string, ts: string, message: Message): Promise<void>;
  /** Opens a modal; resolves with its ID (to update it later). */
  openView(triggerId: string, view: ModalView): Promise<string>;
  updateView(viewId: string, view: ModalView): Promise<void>;
  publishHome(userId: string, view: HomeView): Promise<void>;
  usergroupMembers(groupId: string): Promise<string[]>;
  /**
   * The message this bot posted in `channel` (or in the thread of `threadTs`) since `since` whose idempotency key
   * names this outbox ID, if any.
   */
  /**
   * The bot's message (since `since`, in the channel or the thread) carrying any of these outbox IDs, with every ID
   * it carries; throws when the search cannot be finished.
   */
  findPosted(
    channel: string,
    since: Date,
    outboxIds: readonly number[],
    threadTs?: string,
  ): Promise<{ ts: string; ids: readonly number[] } | undefined>;
}

/**
 * A failed Slack call, classified: `ratelimited` (wait `retryAfterSeconds`), `retry` (a 5xx or a network error: try
 * again later), `refused` (Slack will never accept it: a channel it cannot post to, blocks it rejects; `error` is
 * Slack's own code).
 */
export class SlackCallError extends Error {
  readonly kind: 'ratelimited' | 'retry' | 'refused';
  readonly error: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: SlackCallError['kind'], error: string, retryAfterSeconds?: number) {
    super(`Slack: ${error}`);
    this.name = 'SlackCallError';
    this.kind = kind;
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
