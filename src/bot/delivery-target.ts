import type { DeliveryTarget } from '../usecases/store-port.js';
import type { Delivery } from './delivery-plan.js';

export function channelOf(d: Delivery): string {
  switch (d.kind) {
    case 'thread':
      return d.location.channel;
    case 'silent':
      return '';
    default:
      return d.channel;
  }
}

/** What is stored with a delivery's notifications: its kind and where it goes. */
export function targetOf(d: Delivery): DeliveryTarget {
  return { kind: d.kind, channel: channelOf(d), threadTs: d.kind === 'thread' ? d.location.ts : null };
}
