import { SentinelError } from '../core/errors.js';
import type { HomeView, Message, ModalView } from './slack-kit.js';

/** What the bot needs from Slack's Web API, in its own terms. The Slack adapter implements it with Bolt's client. */
export interface SlackPort {
  /**
   * Posts a message; `idempotencyKey` (the delivery ID) goes into the message's metadata, so that a message in doubt
   * can be found in Slack and told from one never posted.
   */
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
   * The bot's message (since `since`, in the channel or the thread) of this delivery: the one whose metadata names one
   * of `wanted.deliveryIds` (its own, and those of deliveries it was split from), or, posted by a release before
   * delivery IDs, one naming any of `wanted.outboxIds` (with the IDs it names: at most 50 were). Throws when the
   * search cannot be finished.
   */
  findPosted(
    channel: string,
    since: Date,
    wanted: { readonly deliveryIds: readonly string[]; readonly outboxIds: readonly number[] },
    threadTs?: string,
  ): Promise<FoundMessage | undefined>;
  /** auth.test afresh: resolves when Slack accepts the token. */
  tokenInfo(): Promise<unknown>;
  /** conversations.info: whether the bot is in the channel, and whether it is archived. */
  channelInfo(channel: string): Promise<{ readonly isMember: boolean; readonly isArchived: boolean }>;
}

/** A message found in Slack: by its delivery ID, or (an older release's) by the outbox IDs it names. */
export type FoundMessage =
  | { readonly ts: string; readonly by: 'delivery' }
  | { readonly ts: string; readonly by: 'outbox-ids'; readonly ids: readonly number[] };

/**
 * A failed Slack call, classified: a SentinelError (`slack-unavailable` or `slack-refused`) whose `outcome` says what
 * to do: `ratelimited` (wait `retryAfterSeconds`), `retry` (a 5xx or a network error: try again later), `refused`
 * (Slack will never accept it: a channel it cannot post to, blocks it rejects); `error` is Slack's own code.
 */
export class SlackCallError extends SentinelError {
  readonly outcome: 'ratelimited' | 'retry' | 'refused';
  readonly error: string;
  readonly retryAfterSeconds: number | undefined;
  /**
   * Why a refusal may pass: `token` (the token is refused: nothing can be posted until it works again), `channel`
   * (the bot may not post in the channel: not in it, removed from a private one, or it is archived; its messages can
   * go once that changes). Undefined: refused for good.
   */
  readonly refusal: 'token' | 'channel' | undefined;

  constructor(
    outcome: SlackCallError['outcome'],
    error: string,
    retryAfterSeconds?: number,
    refusal?: 'token' | 'channel',
  ) {
    super(outcome === 'refused' ? 'slack-refused' : 'slack-unavailable', `Slack: ${error}`);
    this.name = 'SlackCallError';
    this.outcome = outcome;
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
    this.refusal = refusal;
  }
}
