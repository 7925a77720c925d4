import type { DeliveryTarget } from './outbox-records.js';

/** The bot that delivers from the database: the holder of its delivery lease, and until when it holds it. */
export interface DeliveryLease {
  /** The notifier holding it (unique to one run of one bot). */
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  readonly renewedAt: string;
  readonly expiresAt: string;
}

/**
 * A delivery write refused: the bot asking no longer holds the delivery lease (`lease`: who holds it now; undefined
 * when nobody does). What it claimed before is the holder's now, to look for and settle: it posts nothing more.
 */
export class DeliveryLeaseLost extends Error {
  readonly lease: DeliveryLease | undefined;

  constructor(lease: DeliveryLease | undefined) {
    super(
      lease === undefined
        ? 'this bot no longer holds the delivery lease'
        : `this bot no longer holds the delivery lease: the bot on ${lease.host} (pid ${lease.pid}) delivers`,
    );
    this.name = 'DeliveryLeaseLost';
    this.lease = lease;
  }
}

/**
 * The lease asked for: held (`takenFrom`: the lease of a holder that had stopped, taken over; undefined when it was
 * free or renewed), or held by another bot.
 */
export type LeaseResult =
  | { readonly held: true; readonly lease: DeliveryLease; readonly takenFrom: DeliveryLease | undefined }
  | { readonly held: false; readonly lease: DeliveryLease };

/**
 * A waiting delivery changed to follow the config: sent to another channel whole; the notifications of some of its
 * accounts split off as a delivery of their own (`part`), which goes to `target` and is looked for as the delivery
 * it came from too; or, never tried, its notifications planned afresh (`replan`: they are in no delivery again).
 */
export type DeliveryMove =
  | { readonly deliveryId: string; readonly target: DeliveryTarget }
  | {
      readonly deliveryId: string;
      readonly target: DeliveryTarget;
      readonly part: { readonly deliveryId: string; readonly accounts: readonly string[] };
    }
  | { readonly deliveryId: string; readonly replan: true };

/** How one attempt of a delivery ended, for every notification it carries. */
export type DeliveryOutcome =
  | { readonly state: 'delivered'; readonly receipt: unknown; readonly at: Date }
  /** Tried again at `retryAt`, or never (null: failed for good). */
  | { readonly state: 'failed'; readonly error: string; readonly retryAt: Date | null }
  /** Held back while delivery is paused: it waits, and the attempt does not count. */
  | { readonly state: 'held'; readonly error: string };

/**
 * Delivery held back: Slack refuses the bot's token (`workspace`: nothing can be posted), or the bot is not in a
 * channel (`channel`: that channel's messages wait). The notifier checks again at `nextCheckAt`.
 */
export interface DeliveryPause {
  readonly scope: 'workspace' | 'channel';
  /** The channel paused ('' for the workspace). */
  readonly channel: string;
  /** Slack's error: invalid_auth, token_revoked, account_inactive, not_in_channel… */
  readonly reason: string;
  readonly since: string;
  /** Checks made since it paused (each next one waits longer). */
  readonly checks: number;
  readonly nextCheckAt: string;
}
