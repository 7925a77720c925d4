import type { DeliveryTarget } from './store-port.js';

/**
 * Where a delivery goes once sent to `next` (the channel the config names now), from where it was stored: an attempt
 * made in another channel may have gone out there (a timeout, a 5xx after Slack posted it), so that channel is kept
 * in `lookIn`, and the message is looked for there before it is sent anywhere. `tried`: some attempt was made.
 */
export function movedTarget(stored: DeliveryTarget, next: DeliveryTarget, tried: boolean): DeliveryTarget {
  const earlier = [...(stored.lookIn ?? [])];
  if (tried && stored.threadTs === null && stored.channel !== '' && stored.channel !== next.channel) {
    earlier.push(stored.channel);
  }
  const lookIn = [...new Set(earlier)].filter((c) => c !== next.channel);
  const triedAs = [...new Set([...(stored.triedAs ?? []), ...(next.triedAs ?? [])])];
  const { kind, channel, threadTs } = next;
  return {
    kind,
    channel,
    threadTs,
    ...(lookIn.length === 0 ? {} : { lookIn }),
    ...(triedAs.length === 0 ? {} : { triedAs }),
  };
}

/**
 * The target of a part split from a delivery stored as `stored` (its accounts now go to another channel), sent to
 * `next`: when the delivery was tried, its message may have carried the part, so the part looks for it by
 * `deliveryId` where it was tried, besides looking for itself.
 */
export function splitTarget(
  stored: DeliveryTarget,
  deliveryId: string,
  next: DeliveryTarget,
  tried: boolean,
): DeliveryTarget {
  return movedTarget(stored, tried ? { ...next, triedAs: [deliveryId] } : next, tried);
}
