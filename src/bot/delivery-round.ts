import { DeliveryLeaseLost } from '../usecases/store-port.js';
import { take } from './delivery-claim.js';
import { type DeliveryContext, holderOf, settle } from './delivery-context.js';
import { failed, heldBack } from './delivery-failures.js';
import { findEarlier, settleFound } from './delivery-in-doubt.js';
import { send } from './delivery-messages.js';
import type { Delivery } from './delivery-plan.js';
import { NotifierStopped } from './delivery-posting.js';
import { channelOf, targetOf } from './delivery-target.js';

/** Stamps deliveries that wait for their paused channel (see RecordPort.parkDelivery); how many rows changed. */
export async function park(ctx: DeliveryContext, waiting: readonly Delivery[]): Promise<number> {
  let changed = 0;
  for (const d of waiting) {
    const extent = d.kind === 'alert' || d.kind === 'digest' ? d.extent : undefined;
    const id = d.deliveryId ?? ctx.settings.newId();
    changed += await ctx.record.parkDelivery(holderOf(ctx.lease), d.ids, id, targetOf(d), extent);
  }
  return changed;
}

/** Each channel's messages in order, one a second; channels side by side. */
export async function deliverAll(ctx: DeliveryContext, deliveries: readonly Delivery[]): Promise<void> {
  const byChannel = new Map<string, Delivery[]>();
  for (const d of deliveries) {
    const channel = channelOf(d);
    const queue = byChannel.get(channel) ?? [];
    queue.push(d);
    byChannel.set(channel, queue);
  }
  const channels = await Promise.allSettled(
    [...byChannel].map(async ([channel, queue]) => {
      for (const delivery of queue) {
        // A pause that began meanwhile (the token refused for another channel's message) holds the rest, and a
        // lease lost (this process stalled past its term) stops it all.
        if (ctx.stop.stopping || !ctx.lease.held || ctx.pauses.held(channel)) return;
        await deliver(ctx, delivery);
      }
    }),
  );
  // Every channel has stopped before what went wrong is handled (a lease lost: nothing of this bot's is under way).
  for (const c of channels) if (c.status === 'rejected') throw c.reason;
}

async function deliver(ctx: DeliveryContext, planned: Delivery): Promise<void> {
  const { settings, pauses } = ctx;
  const deliveryId = planned.deliveryId ?? settings.newId();
  const taken = await take(ctx, planned, deliveryId);
  if (taken === undefined) return;
  const { delivery, claim } = taken;
  if (delivery.kind === 'silent') {
    await settle(ctx, deliveryId, { state: 'delivered', receipt: null, at: settings.now() });
    return;
  }
  const channel = channelOf(delivery);
  // This message is the check of a pause whose check passed: the others wait for how it goes.
  pauses.trying(channel);
  // A message tried before may have gone out (a timeout, a 5xx after Slack posted it, a crash): it is looked for
  // first, and never sent again while that cannot be told.
  if (claim.attempts > 1) {
    const earlier = await findEarlier(ctx, delivery, deliveryId, claim);
    if (earlier === 'handled') return;
    if (earlier !== undefined) {
      await settleFound(ctx, delivery, deliveryId, claim, earlier.found, earlier.channel);
      return;
    }
  }
  try {
    const receipt = await send(ctx, delivery, deliveryId, channel, taken.digest);
    await settle(ctx, deliveryId, { state: 'delivered', receipt: receipt ?? null, at: settings.now() });
    ctx.log.info(
      {
        event: 'slack-message',
        kind: delivery.kind,
        channel,
        delivery: deliveryId,
        ids: claim.count,
        ts: receipt?.ts,
      },
      'delivered',
    );
    await pauses.wentThrough(channel);
  } catch (error) {
    if (error instanceof DeliveryLeaseLost || error instanceof NotifierStopped) throw error;
    if (await heldBack(ctx, deliveryId, channel, error)) return;
    await failed(ctx, deliveryId, claim, channel, error);
  }
}
