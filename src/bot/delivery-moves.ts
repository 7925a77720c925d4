import type { DeliveryMove, WaitingDelivery } from '../usecases/store-port.js';

/** Where the config sends messages: each account's alerts, and the warnings of incomplete scans. */
export interface Routes {
  readonly channelFor: (accountId: string) => string;
  readonly warningChannel: string;
}

/**
 * How waiting deliveries follow a config changed since they were planned. A delivery whose accounts all go to one
 * channel goes there whole. One whose accounts now go to different channels (a digest of several accounts, one of
 * which was given a channel of its own) is never moved whole, which would show one team's findings to another: never
 * tried, its notifications are planned afresh (an alert per key, or a digest, per channel); tried, it is split per
 * channel, each part looking for the message it was tried as, where it was tried, before it is sent. Pure.
 */
export function movesFor(waiting: readonly WaitingDelivery[], routes: Routes, newId: () => string): DeliveryMove[] {
  return waiting.flatMap((d): DeliveryMove[] => {
    const { kind } = d.target;
    if (kind === 'warning') {
      const channel = routes.warningChannel;
      return channel === d.target.channel ? [] : [{ deliveryId: d.deliveryId, target: { ...d.target, channel } }];
    }
    if (kind !== 'alert' && kind !== 'digest') return [];
    const byChannel = new Map<string, string[]>();
    for (const account of d.accounts) {
      const channel = routes.channelFor(account);
      const accounts = byChannel.get(channel) ?? [];
      byChannel.set(channel, accounts);
      accounts.push(account);
    }
    const channels = [...byChannel.keys()];
    const [only] = channels;
    if (only === undefined) return [];
    if (channels.length === 1) {
      return only === d.target.channel ? [] : [{ deliveryId: d.deliveryId, target: { ...d.target, channel: only } }];
    }
    if (d.attempts === 0) return [{ deliveryId: d.deliveryId, replan: true }];
    // The part for the channel it was going to keeps its ID (a message of it there is found as itself); each other
    // part gets one of its own, and looks for this one too.
    const kept = byChannel.has(d.target.channel) ? d.target.channel : only;
    const parts = channels
      .filter((c) => c !== kept)
      .map(
        (channel): DeliveryMove => ({
          deliveryId: d.deliveryId,
          target: { kind, channel, threadTs: null },
          part: { deliveryId: newId(), accounts: byChannel.get(channel) ?? [] },
        }),
      );
    const rest: DeliveryMove[] =
      kept === d.target.channel ? [] : [{ deliveryId: d.deliveryId, target: { ...d.target, channel: kept } }];
    return [...parts, ...rest];
  });
}
