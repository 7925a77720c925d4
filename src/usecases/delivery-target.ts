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
  const { kind, channel, threadTs } = next;
  return lookIn.length === 0 ? { kind, channel, threadTs } : { kind, channel, threadTs, lookIn };
}
