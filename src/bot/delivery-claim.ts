import type { DigestSummary, OutboxRecord } from '../usecases/store-port.js';
import { type DeliveryContext, holderOf, planContext } from './delivery-context.js';
import { type Delivery, planDeliveries } from './delivery-plan.js';
import { targetOf } from './delivery-target.js';

/** A delivery as claimed: what the notifier needs of its notifications, whether they were loaded (`rows`) or not. */
export interface Claim {
  readonly count: number;
  /** The most attempts any notification of it has had, this one included: over 1, it was tried before. */
  readonly attempts: number;
  readonly firstCreatedAt: string;
  /** Notifications of it tried before (the IDs an older release named in its metadata). */
  readonly triedIds: readonly number[];
  /** Channels it was tried in before the config named another. */
  readonly lookIn: readonly string[];
  /** Deliveries it was split from, once tried: a message of theirs may have carried it. */
  readonly triedAs: readonly string[];
  readonly rows: readonly OutboxRecord[] | undefined;
}

export interface ClaimedDelivery {
  readonly delivery: Delivery;
  readonly claim: Claim;
  readonly digest?: DigestSummary;
}

/**
 * Claims a delivery: what is claimed is the delivery (a notification of it the page did not hold comes with it).
 * A digest is claimed counted, its notifications never loaded, however many it carries.
 */
export async function take(
  ctx: DeliveryContext,
  planned: Delivery,
  deliveryId: string,
): Promise<ClaimedDelivery | undefined> {
  const { record, lease } = ctx;
  if (planned.kind === 'digest') {
    const c = await record.claimDigest(holderOf(lease), planned.ids, deliveryId, targetOf(planned), planned.extent);
    if (c.notifications === 0) return undefined;
    const claim = {
      count: c.notifications,
      attempts: c.attempts,
      firstCreatedAt: c.firstCreatedAt,
      triedIds: c.triedIds,
      lookIn: c.target.lookIn ?? [],
      triedAs: c.target.triedAs ?? [],
      rows: undefined,
    };
    return { delivery: planned, claim, digest: c.digest };
  }
  const extent = planned.kind === 'alert' ? planned.extent : undefined;
  const claimed = await record.claimDelivery(holderOf(lease), planned.ids, deliveryId, targetOf(planned), extent);
  if (claimed.length === 0) return undefined;
  const plannedIds = new Set(planned.ids);
  const delivery =
    claimed.length === plannedIds.size && claimed.every((r) => plannedIds.has(r.id))
      ? planned
      : (planDeliveries(claimed, planContext(ctx))[0] ?? planned);
  const claim = {
    count: claimed.length,
    attempts: Math.max(...claimed.map((r) => r.attempts)),
    firstCreatedAt: claimed.reduce((a, b) => (b.id < a.id ? b : a)).createdAt,
    triedIds: claimed.filter((r) => r.attempts > 1).map((r) => r.id),
    lookIn: claimed[0]?.deliveryTarget?.lookIn ?? [],
    triedAs: claimed[0]?.deliveryTarget?.triedAs ?? [],
    rows: claimed,
  };
  return { delivery, claim };
}
