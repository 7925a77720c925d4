import type {
  BatchExtent,
  DeliveryMove,
  DeliveryOutcome,
  DeliveryPause,
  DeliveryTarget,
  DigestClaim,
  LeaseResult,
  OutboxRecord,
  RetriedNotification,
} from '../../usecases/store-port.js';

import { StoreReads } from './store-reads.js';

/** The writes of delivery: claims and settlement, pauses, the delivery lease, retries. */
export class DeliveryWrites extends StoreReads {
  claimNotificationIds(ids: readonly number[]): OutboxRecord[] {
    return this.transaction(() => this.deliveries.claimIds(ids));
  }

  claimDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): OutboxRecord[] {
    return this.delivering(holder, () => this.deliveries.claimDelivery(ids, deliveryId, target, extent));
  }

  claimDigest(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): DigestClaim {
    return this.delivering(holder, () => this.deliveries.claimDigest(ids, deliveryId, target, extent));
  }

  parkDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): number {
    return this.delivering(holder, () => this.deliveries.park(ids, deliveryId, target, extent));
  }

  retargetDeliveries(holder: string, moves: readonly DeliveryMove[]): number {
    return this.delivering(holder, () => this.deliveries.retarget(moves));
  }

  settleDelivery(holder: string, deliveryId: string, outcome: DeliveryOutcome): number {
    return this.delivering(holder, () => this.settlement.settleDelivery(deliveryId, outcome));
  }

  requeueInDoubt(holder: string, note: string): number {
    return this.delivering(holder, () => this.settlement.requeueInDoubt(note));
  }

  markDelivered(id: number, receipt: unknown, now: Date): void {
    this.transaction(() => this.settlement.delivered(id, receipt, now));
  }

  retryNotifications(ids: readonly number[] | 'failed', actor: string, now: Date): RetriedNotification[] {
    return this.transaction(() => {
      const at = now.toISOString();
      return this.settlement.retry(ids).map(({ before, retried }) => {
        this.journal.audit(
          at,
          actor,
          'notification-retried',
          `outbox:${before.id}`,
          { state: before.state, attempts: before.attempts, lastError: before.lastError, delivery: before.deliveryId },
          { state: 'pending' },
        );
        return retried;
      });
    });
  }

  pauseDelivery(pause: DeliveryPause): void {
    this.transaction(() => this.pauses.pause(pause));
  }

  resumeDelivery(scope: DeliveryPause['scope'], channel: string): void {
    this.transaction(() => this.pauses.resume(scope, channel));
  }

  holdDeliveryLease(holder: string, now: Date, ttlMs: number): LeaseResult {
    return this.transaction(() => this.lease.hold(holder, now, ttlMs));
  }

  releaseDeliveryLease(holder: string): void {
    this.transaction(() => this.lease.release(holder));
  }
}
