import { messageOf } from '../core/errors.js';
import { SlackCallError } from '../usecases/slack-port.js';
import type { Claim } from './delivery-claim.js';
import { type DeliveryContext, settle } from './delivery-context.js';

/** Attempts after which a message Slack keeps rate-limiting is given up (about a day of Retry-After waits). */
const RATE_LIMITED_ATTEMPTS = 200;

/**
 * A delivery Slack did not take: retried after a wait that grows (after Slack's Retry-After when rate-limited, which
 * holds its channel as long), or, refused for good or out of attempts, recorded as failed with its error.
 */
export async function failed(
  ctx: DeliveryContext,
  deliveryId: string,
  claim: Claim,
  channel: string,
  error: unknown,
): Promise<void> {
  const { settings } = ctx;
  const e = error instanceof SlackCallError ? error : undefined;
  const message = e?.error ?? messageOf(error);
  // One time for the whole delivery, so that its notifications stay together and go out as one message again.
  const { attempts } = claim;
  // Slack says when to come back after a 429: those attempts count only against a far larger bound.
  const gaveUp =
    e?.outcome === 'refused' ||
    (e?.outcome === 'ratelimited' ? attempts >= RATE_LIMITED_ATTEMPTS : attempts >= settings.maxAttempts);
  const now = settings.now().getTime();
  const retryAt = gaveUp
    ? null
    : e?.outcome === 'ratelimited'
      ? new Date(now + (e.retryAfterSeconds ?? 30) * 1000)
      : new Date(now + Math.min(15 * 60_000, 2 ** (attempts - 1) * settings.retryBaseMs));
  await settle(ctx, deliveryId, { state: 'failed', error: message, retryAt });
  if (e?.outcome === 'ratelimited') ctx.poster.rateLimited(channel, now + (e.retryAfterSeconds ?? 30) * 1000);
  const fields = {
    event: 'slack-message',
    channel,
    delivery: deliveryId,
    ids: (claim.rows?.map((r) => r.id) ?? claim.triedIds).slice(0, 20),
    notifications: claim.count,
    error: message,
  };
  if (gaveUp) ctx.log.error(fields, 'Slack refused a message for good; it is recorded as failed');
  else ctx.log.warn(fields, 'a message could not be delivered; it will be tried again');
}

/**
 * A refusal that passes (the token refused, a channel the bot may not post in): the delivery waits, its attempt not
 * counted, and delivery pauses (all of it, or the channel) until a message goes through. False for any other error.
 */
export async function heldBack(
  ctx: DeliveryContext,
  deliveryId: string,
  channel: string,
  error: unknown,
): Promise<boolean> {
  if (!(error instanceof SlackCallError) || error.refusal === undefined) return false;
  await settle(ctx, deliveryId, { state: 'held', error: `${error.error} (waits for delivery to resume)` });
  await ctx.pauses.refused(channel, error);
  return true;
}
