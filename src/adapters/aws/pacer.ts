import pThrottle from 'p-throttle';

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

/** Keeps calls of each operation under a rate, spread over tenths of a second rather than in one burst. */
export class Pacer {
  private readonly gates = new Map<PacedOperation, () => Promise<void>>();

  constructor(rates: Readonly<Record<PacedOperation, number>>, headroom: number) {
    for (const [operation, rate] of Object.entries(rates) as [PacedOperation, number][]) {
      const perSecond = Math.max(rate * headroom, 0.1);
      const slice =
        perSecond >= 10
          ? { limit: Math.floor(perSecond / 10), interval: 100 }
          : { limit: 1, interval: 1000 / perSecond };
      this.gates.set(
        operation,
        pThrottle(slice)(async () => {}),
      );
    }
  }

  /** Resolves when a call of this operation may start. */
  async slot(operation: PacedOperation): Promise<void> {
    await this.gates.get(operation)?.();
  }
}
