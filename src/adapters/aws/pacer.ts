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
 * Lets through the requests of one operation at a rate that starts at the configured quota and adapts: it drops by
 * 30% when AWS keeps throttling (the quota is lower, or shared with other callers) and climbs back slowly. KMS counts
 * its quotas per second, so half a second's worth of requests may go at once until AWS first throttles; beyond that
 * they are spaced evenly. Kept as the time at which the bucket would be full again (a generic cell rate algorithm):
 * one number, no timer.
 */
class RateGate {
  private readonly ceiling: number;
  private rate: number;
  private fullAt = Number.NEGATIVE_INFINITY;
  private lastCut = Number.NEGATIVE_INFINITY;
  private bursting = true;
  /** Requests let in by Pacer.admit that have not taken their slot yet. */
  private admitted = 0;
  private readonly clock: PacerClock;

  constructor(ceiling: number, clock: PacerClock) {
    this.ceiling = ceiling;
    this.rate = ceiling;
    this.clock = clock;
  }

  /**
   * How long from `now` until the next request would get its slot, behind those already let in (see Pacer.admit):
   * 0 when it would go at once.
   */
  untilTurn(now: number): number {
    const slot = Math.max(this.fullAt, now) + this.admitted * (1000 / this.rate) - this.burstWindow();
    return Math.max(0, slot - now);
  }

  letIn(): void {
    this.admitted++;
  }

  async take(signal: AbortSignal): Promise<void> {
    if (this.admitted > 0) this.admitted--;
    const now = this.clock.now();
    const gap = 1000 / this.rate;
    const start = Math.max(this.fullAt, now);
    const slot = Math.max(now, start - this.burstWindow());
    this.fullAt = start + gap;
    if (slot > now) await this.clock.sleep(slot - now, signal);
  }

  /**
   * A first throttle ends the burst: requests that reached AWS closer together than they were sent used up its
   * margin, so from then on they are spaced evenly, and what the burst ran ahead is given back. Throttles after that
   * mean the real quota is lower (or shared), and cut the rate. Requests already on their way get throttled
   * together, so this happens at most once a second; the next request waits a whole gap.
   */
  throttled(): void {
    const now = this.clock.now();
    if (now - this.lastCut < 1000) return;
    this.lastCut = now;
    if (this.bursting) this.bursting = false;
    else this.rate = Math.max(this.ceiling / 50, this.rate * 0.7);
    this.fullAt = Math.max(this.fullAt, now + 1000 / this.rate);
  }

  /** Climbs back by a 500th of the ceiling per success: slowly, to stay near a lower real quota. */
  succeeded(): void {
    if (this.rate < this.ceiling) this.rate = Math.min(this.ceiling, this.rate + this.ceiling / 500);
  }

  /**
   * How far ahead of its even spacing a request may go: half a second's worth of requests, less the first. AWS's
   * own bucket holds a second's worth; the other half absorbs requests that reach AWS closer together than they
   * were sent (network and CPU jitter), which would otherwise be throttled.
   */
  private burstWindow(): number {
    return this.bursting ? Math.max(0, 500 - 1000 / this.rate) : 0;
  }
}

/** One gate per KMS operation, for one account-region (KMS quotas are per account, region and operation). */
export class Pacer {
  private readonly gates = new Map<string, RateGate>();
  private readonly clock: PacerClock;

  /** `clock` is for tests; the default is the real one (performance.now and timers). */
  constructor(rates: Readonly<Record<PacedOperation, number>>, headroom: number, clock: PacerClock = realClock) {
    this.clock = clock;
    for (const [operation, rate] of Object.entries(rates)) {
      this.gates.set(operation, new RateGate(Math.max(rate * headroom, 0.1), clock));
    }
  }

  /** Resolves when a request of this operation may be sent; unknown operations are not paced. */
  async slot(operation: string, signal: AbortSignal): Promise<void> {
    await this.gates.get(operation)?.take(signal);
  }

  /**
   * Resolves once a request of each of these operations would get its slot within `lookahead` ms, counting the
   * requests let in before: work that needs them all starts at the pace of the slowest, instead of piling its
   * requests up behind it.
   */
  async admit(operations: readonly string[], lookahead: number, signal: AbortSignal): Promise<void> {
    const gates = operations.map((o) => this.gates.get(o)).filter((g) => g !== undefined);
    for (;;) {
      const now = this.clock.now();
      const wait = Math.max(0, ...gates.map((g) => g.untilTurn(now))) - lookahead;
      if (wait <= 0) break;
      await this.clock.sleep(wait, signal);
    }
    for (const gate of gates) gate.letIn();
  }

  throttled(operation: string): void {
    this.gates.get(operation)?.throttled();
  }

  succeeded(operation: string): void {
    this.gates.get(operation)?.succeeded();
  }
}
