import type { DeliveryPause } from './store-port.js';

/**
 * Whether the bot can deliver: `paused` while Slack refuses its token (`reason`: Slack's error; nothing can be
 * posted) or while it is not in some channels (`channels`: their messages wait; the others go out).
 */
export interface DeliveryHealth {
  readonly state: 'ok' | 'paused';
  readonly reason: string | null;
  readonly since: string | null;
  readonly channels: readonly { readonly channel: string; readonly reason: string; readonly since: string }[];
}

/** Delivery as /healthz, /kms status and the CLI tell it, from the pauses on record. */
export function deliveryHealth(pauses: readonly DeliveryPause[]): DeliveryHealth {
  const workspace = pauses.find((p) => p.scope === 'workspace');
  const channels = pauses
    .filter((p) => p.scope === 'channel')
    .map((p) => ({ channel: p.channel, reason: p.reason, since: p.since }));
  return {
    state: workspace === undefined && channels.length === 0 ? 'ok' : 'paused',
    reason: workspace?.reason ?? null,
    since: workspace?.since ?? null,
    channels,
  };
}
