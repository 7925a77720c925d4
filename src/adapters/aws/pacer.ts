import { setTimeout as sleep } from 'node:timers/promises';
import type { KmsOperation } from '../../usecases/kms-operations.js';

/** Requests per second KMS allows each account and region, per operation (the lowest published defaults). */
export const DEFAULT_KMS_RATES: Readonly<Record<PacedOperation, number>> = {
  ListKeys: 100,
  ListAliases: 100,
  DescribeKey: 100,
  GetKeyPolicy: 30,
  ListGrants: 100,
  PutKeyPolicy: 5,
  RevokeGrant: 15,
  ListResourceTags: 100,
};

export type PacedOperation = KmsOperation;

/** The time the pacer reads and waits on (milliseconds); injectable so that tests can run a fake clock. */
export interface PacerClock {
  now(): number;
  /** Resolves after `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * Spaces the requests of one operation evenly at a rate that starts at the configured quota and adapts: it drops
 * by 30% when AWS throttles (the quota is lower, or shared with other callers) and climbs back slowly.
 */
class RateGate {
  private readonly ceiling: number;
  private rate: number;
  private nextSlot = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  private readonly clock: PacerClock;

  constructor(ceiling: number, clock: PacerClock) {
    this.ceiling = ceiling;
    this.rate = ceiling;
    this.clock = clock;
  }

  async take(signal: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  /** Requests already on their way get throttled together, so the rate is cut at most once a second. */
  throttled(): void {
    const now = this.clock.now();
    if (now - this.lastCut < 1000) return;
    this.lastCut = now;
    this.rate = Math.max(this.ceiling / 50, this.rate * 0.7);
  }

  /** Climbs back by a 500th of the ceiling per success: slowly, to stay near a lower real quota. */
  succeeded(): void {
    if (this.rate < this.ceiling) this.rate = Math.min(this.ceiling, this.rate + this.ceiling / 500);
  }
}

/** One gate per KMS operation, for one account-region (KMS quotas are per account, region and operation). */
export class Pacer {
  private readonly gates = new Map<string, RateGate>();

  /** `clock` is for tests; the default is the real one (performance.now and timers). */
  constructor(rates: Readonly<Record<PacedOperation, number>>, headroom: number, clock: PacerClock = realClock) {
    for (const [operation, rate] of Object.entries(rates)) {
      this.gates.set(operation, new RateGate(Math.max(rate * headroom, 0.1), clock));
    }
  }

  /** Resolves when a request of this operation may be sent; unknown operations are not paced. */
  async slot(operation: string, signal: AbortSignal): Promise<void> {
    await this.gates.get(operation)?.take(signal);
  }

  throttled(operation: string): void {
    this.gates.get(operation)?.throttled();
  }

  succeeded(operation: string): void {
    this.gates.get(operation)?.succeeded();
  }
}
