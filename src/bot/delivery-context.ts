import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { SlackPort } from '../usecases/slack-port.js';
import { type BatchExtent, DeliveryLeaseLost, type DeliveryOutcome } from '../usecases/store-port.js';
import type { LeaseKeeper } from './delivery-lease.js';
import type { DeliveryPauses } from './delivery-pauses.js';
import type { PlanContext } from './delivery-plan.js';
import type { ChannelPoster } from './delivery-posting.js';
import type { DeliverySettings } from './notifier-settings.js';

/** How far the notifier has stopped: read by its loop and its posts, set by stop(). */
export class StopState {
  stopping = false;
  /** stop() gave up waiting for a Slack call: nothing more is written, and the lease is not let go. */
  abandoned = false;
  /** Aborted by stop(): it ends every wait (the heartbeat's, a channel's turn, a rate limit). */
  readonly stopped = new AbortController();
}

/** What every part of delivery works with: the notifier's ports, settings, lease, pauses and posts. */
export interface DeliveryContext {
  readonly record: RecordPort;
  readonly slack: SlackPort;
  readonly log: Log;
  readonly settings: DeliverySettings;
  /** This bot's hold on the database's delivery lease: it delivers only while it holds it. */
  readonly lease: LeaseKeeper;
  /** Where delivery is paused, and the checks that end it. */
  readonly pauses: DeliveryPauses;
  readonly poster: ChannelPoster;
  readonly stop: StopState;
}

/** This bot's lease, for a write of a delivery (the record refuses it once another bot holds the lease). */
export function holderOf(lease: LeaseKeeper): string {
  if (!lease.held) throw new DeliveryLeaseLost(undefined);
  return lease.holder;
}

export async function settle(ctx: DeliveryContext, deliveryId: string, outcome: DeliveryOutcome): Promise<void> {
  await ctx.record.settleDelivery(holderOf(ctx.lease), deliveryId, outcome);
}

/** `fullPage`: the notifications planned fill a page, so a scan's batch may go on beyond it. */
export function planContext(ctx: DeliveryContext, fullPage = false): PlanContext {
  const { record, settings } = ctx;
  return {
    channelFor: settings.channelFor,
    alertOf: (fingerprint) => record.alertOf(fingerprint),
    digestThreshold: settings.digestThreshold,
    warningChannel: settings.warningChannel,
    accountsFor: settings.accountsFor,
    ...(fullPage ? { batchKeys: (extent: BatchExtent) => record.batchKeys(extent) } : {}),
  };
}
