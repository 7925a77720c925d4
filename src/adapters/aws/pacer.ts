import { setTimeout as sleep } from 'node:timers/promises';

/** Requests per second KMS allows each account and region, per operation (the lowest published defaults). */
export const DEFAULT_KMS_RATES: Readonly<Record<PacedOperation, number>> = {
  ListKeys: 100,
  ListAliases: 100,
  DescribeKey: 100,
  GetKeyPolicy: 30,
  ListGrants: 100,
  PutKeyPolicy: 5,
  RevokeGrant: 15,
};

export type PacedOperation =
  | 'ListKeys'
  | 'ListAliases'
  | 'DescribeKey'
  | 'GetKeyPolicy'
  | 'ListGrants'
  | 'PutKeyPolicy'
  | 'RevokeGrant';

/**
 * Spaces the requests of one operation evenly at a rate that starts at the configured quota and adapts: it drops
 * by 30% when AWS throttles (the quota is lower, or shared with other callers) and climbs back slowly.
 */
class RateGate {
  private readonly ceiling: number;
  private rate: number;
  private nextSlot = 0;
  private lastCut = Number.NEGATIVE_INFINITY;

  constructor(ceiling: number) {
    this.ceiling = ceiling;
    this.rate = ceiling;
  }

  async take(signal: AbortSignal): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await sleep(slot - now, undefined, { signal });
  }

  /** Requests already on their way get throttled together, so the rate is cut at most once a second. */
  throttled(): void {
    const now = performance.now();
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

  constructor(rates: Readonly<Record<PacedOperation, number>>, headroom: number) {
    for (const [operation, rate] of Object.entries(rates)) {
      this.gates.set(operation, new RateGate(Math.max(rate * headroom, 0.1)));
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
