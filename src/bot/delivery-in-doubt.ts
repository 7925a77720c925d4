import { type FoundMessage, SlackCallError } from '../usecases/slack-port.js';
import type { Claim } from './delivery-claim.js';
import { type DeliveryContext, settle } from './delivery-context.js';
import { failed, heldBack } from './delivery-failures.js';
import { updateAlert } from './delivery-messages.js';
import type { Delivery } from './delivery-plan.js';
import { channelOf } from './delivery-target.js';

/** How many outbox IDs a release before delivery IDs put in a message's metadata, at most. */
const LEGACY_ID_CAP = 50;

type Posting = Exclude<Delivery, { kind: 'silent' }>;

/**
 * Looks for an earlier attempt of a delivery, before anything is sent: in each channel it was tried in before the
 * config named another (its target's `lookIn`), then where it goes (its channel, or its thread). Returns where it
 * was found; 'handled' when it was held back or failed meanwhile (it is not sent now).
 */
export async function findEarlier(
  ctx: DeliveryContext,
  delivery: Posting,
  deliveryId: string,
  claim: Claim,
): Promise<{ found: FoundMessage; channel: string } | 'handled' | undefined> {
  const channel = channelOf(delivery);
  const lookIn = delivery.kind === 'thread' ? [] : claim.lookIn;
  for (const place of [...lookIn.filter((c) => c !== channel), channel]) {
    try {
      const found = await lookFor(ctx, delivery, place, deliveryId, claim);
      if (found !== undefined) return { found, channel: place };
    } catch (error) {
      const e = error instanceof SlackCallError ? error : undefined;
      if (place !== channel && e?.refusal === 'channel') {
        // The bot can no longer read a channel the message was tried in (it was removed, the channel is gone):
        // whether it went out there cannot be told, and a lost alert is worse than one posted twice.
        ctx.log.warn(
          { event: 'slack-message', channel: place, delivery: deliveryId, error: e.error },
          `cannot look in ${place} for an earlier attempt of a message; it is sent to ${channel}`,
        );
        continue;
      }
      if (await heldBack(ctx, deliveryId, channel, error)) return 'handled';
      // A check Slack refuses for good (no history scope) can never be made: sending again risks a duplicate,
      // not sending loses the message, and a lost alert is the worse of the two.
      if (e?.outcome !== 'refused') {
        await failed(ctx, deliveryId, claim, channel, error);
        return 'handled';
      }
      ctx.log.warn(
        { event: 'slack-message', channel: place, delivery: deliveryId, error: e.error },
        'cannot look for an earlier attempt of a message; it is sent again',
      );
      return undefined;
    }
  }
  return undefined;
}

/**
 * Looks for a delivery in `channel` (or its thread) by its delivery ID, and, for a message an older release posted
 * (it named them in its metadata), by the IDs of the notifications tried before; throws when it cannot.
 */
async function lookFor(
  ctx: DeliveryContext,
  delivery: Posting,
  channel: string,
  deliveryId: string,
  claim: Claim,
): Promise<FoundMessage | undefined> {
  const since = new Date(Date.parse(claim.firstCreatedAt) - 60_000);
  const thread = delivery.kind === 'thread' ? delivery.location.ts : undefined;
  const deliveryIds = [deliveryId, ...claim.triedAs];
  return ctx.slack.findPosted(channel, since, { deliveryIds, outboxIds: claim.triedIds }, thread);
}

/**
 * A delivery found in Slack: every notification stamped with its ID is recorded as delivered where it is, as if it
 * had just been posted. An older release's message names at most 50: those it names are delivered, with the rest
 * of the message in doubt past the last it names; anything else goes out on its own.
 */
export async function settleFound(
  ctx: DeliveryContext,
  delivery: Posting,
  deliveryId: string,
  claim: Claim,
  found: FoundMessage,
  channel: string,
): Promise<void> {
  const { record } = ctx;
  const now = ctx.settings.now();
  const location = { channel, ts: found.ts };
  if (delivery.kind === 'alert') await record.recordAlert(delivery.fingerprints, location, now);
  const claimed = claim.rows;
  // A digest is not loaded: an older release's message found for it stands for all of it.
  if (found.by === 'delivery' || claimed === undefined) {
    await settle(ctx, deliveryId, { state: 'delivered', receipt: location, at: now });
  } else {
    const named = new Set(found.ids);
    const last = Math.max(...found.ids);
    const cut = found.ids.length >= LEGACY_ID_CAP;
    const carried = claimed.filter((r) => named.has(r.id) || (cut && r.id > last && r.attempts > 1));
    for (const r of carried) await record.markDelivered(r.id, location, now);
    if (carried.length < claimed.length) {
      await settle(ctx, deliveryId, {
        state: 'failed',
        error: 'not in the message found in Slack: sent on its own',
        retryAt: now,
      });
    }
  }
  if (delivery.kind === 'thread') await updateAlert(ctx, delivery.location);
  ctx.log.info(
    { event: 'slack-message', kind: delivery.kind, channel, delivery: deliveryId, ids: claim.count, ts: found.ts },
    'delivered (found in Slack: it had gone out before)',
  );
}
