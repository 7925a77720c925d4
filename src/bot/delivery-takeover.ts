import { type DeliveryContext, holderOf } from './delivery-context.js';
import { movesFor } from './delivery-moves.js';

/**
 * Once this notifier holds the lease: messages a notifier that died (or lost the lease) held are queued again (each
 * is looked for in Slack before it is sent), and delivery paused before is checked at once (the token the bot
 * started with has just passed auth.test).
 */
export async function resumeFromRecord(ctx: DeliveryContext): Promise<void> {
  const { record, settings } = ctx;
  const requeued = await record.requeueInDoubt(
    holderOf(ctx.lease),
    'in doubt after a restart: looked for in Slack before it is sent again',
  );
  if (requeued > 0) {
    ctx.log.info(
      { event: 'slack-in-doubt', notifications: requeued },
      'messages a stop left in doubt are looked for in Slack before they are sent again',
    );
  }
  await followConfig(ctx);
  await ctx.pauses.load();
  // A Retry-After Slack gave the bot before a restart (or another bot) still holds: its channel waits it out.
  ctx.poster.restoreRateLimits(record.rateLimitedChannels(settings.now()));
}

/**
 * Messages waiting for a channel the config no longer names (it was changed since they were planned) go to the one
 * it names now, each account's findings to its own (see movesFor); one tried before is looked for where it was
 * tried first.
 */
async function followConfig(ctx: DeliveryContext): Promise<void> {
  const { record, settings } = ctx;
  const routes = { channelFor: settings.channelFor, warningChannel: settings.warningChannel };
  const moves = movesFor(record.waitingDeliveries(), routes, settings.newId);
  if (moves.length === 0) return;
  await record.retargetDeliveries(holderOf(ctx.lease), moves);
  const split = new Set(moves.filter((m) => 'part' in m).map((m) => m.deliveryId)).size;
  const replanned = moves.filter((m) => 'replan' in m).length;
  ctx.log.info(
    { event: 'delivery-moved', moved: moves.length, split, replanned },
    "messages waiting for a channel the config no longer names go to the one it names now, each account's findings to its own channel (each one tried before is looked for where it was tried first)",
  );
}
