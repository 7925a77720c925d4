import type { SlackPort } from '../usecases/slack-port.js';
import type { Message } from './blocks/kit.js';
import type { StopState } from './delivery-context.js';
import type { LeaseKeeper } from './delivery-lease.js';
import type { DeliverySettings } from './notifier-settings.js';

/** The notifier stopped while a message waited for its turn: it is not posted (it stays claimed, in doubt). */
export class NotifierStopped extends Error {
  constructor() {
    super('the notifier stopped before the message could be posted');
    this.name = 'NotifierStopped';
  }
}

/**
 * Posts each message in its channel's turn: at most one a `channelSpacingMs` per channel, none before Slack's
 * Retry-After for the channel has passed, and none once this bot no longer holds the lease or has stopped.
 */
export class ChannelPoster {
  private readonly slack: SlackPort;
  private readonly lease: LeaseKeeper;
  private readonly stop: StopState;
  private readonly settings: Pick<DeliverySettings, 'channelSpacingMs' | 'now' | 'sleep'>;
  private readonly nextPost = new Map<string, number>();
  /** Until when Slack asked for no posts in a channel (its Retry-After), in ms on the notifier's clock. */
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    slack: SlackPort,
    lease: LeaseKeeper,
    stop: StopState,
    settings: Pick<DeliverySettings, 'channelSpacingMs' | 'now' | 'sleep'>,
  ) {
    this.slack = slack;
    this.lease = lease;
    this.stop = stop;
    this.settings = settings;
  }

  async post(channel: string, message: Message, options: Parameters<SlackPort['postMessage']>[2]) {
    const paused = this.pausedUntil.get(channel) ?? 0;
    const next = Math.max(this.nextPost.get(channel) ?? 0, paused);
    const wait = next - this.now();
    if (wait > 0) await this.settings.sleep(wait, this.stop.stopped.signal);
    if (this.stop.stopping) throw new NotifierStopped();
    // Another bot may have taken the lease over while this one waited (or stalled): it is asked of the record now.
    await this.lease.confirm();
    this.nextPost.set(channel, this.now() + this.settings.channelSpacingMs);
    try {
      return await this.slack.postMessage(channel, message, options);
    } finally {
      // The bot stopped without waiting for this answer: the record may be closed, and the message stays in doubt.
      // biome-ignore lint/correctness/noUnsafeFinally: the answer, or its error, must not be acted on any more
      if (this.stop.abandoned) throw new NotifierStopped();
    }
  }

  /** Slack rate-limited a post in `channel`: nothing more is posted there until `until` (ms). */
  rateLimited(channel: string, until: number): void {
    this.pausedUntil.set(channel, until);
  }

  /** Retry-After windows Slack gave before a restart (or another bot): each channel waits its window out. */
  restoreRateLimits(windows: readonly { readonly channel: string; readonly until: string }[]): void {
    for (const { channel, until } of windows) {
      this.pausedUntil.set(channel, Math.max(this.pausedUntil.get(channel) ?? 0, Date.parse(until)));
    }
  }

  private now(): number {
    return this.settings.now().getTime();
  }
}
