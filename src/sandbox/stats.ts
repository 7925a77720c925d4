export interface SandboxStats {
  /** Requests received, errors and throttled ones included. */
  readonly total: number;
  /** Requests answered ThrottlingException. */
  readonly throttled: number;
  /** `service:Operation` (`kms:ListKeys`, `sts:AssumeRole`, ...) -> requests. */
  readonly byOperation: Readonly<Record<string, number>>;
  /** `service:Operation` -> throttled requests. */
  readonly throttledByOperation: Readonly<Record<string, number>>;
  /** `account/region` of the caller's credentials -> requests; requests with unknown credentials are not in it. */
  readonly byAccountRegion: Readonly<Record<string, number>>;
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export class StatsCounter {
  #total = 0;
  #throttled = 0;
  #byOperation = new Map<string, number>();
  #throttledByOperation = new Map<string, number>();
  #byAccountRegion = new Map<string, number>();

  request(operation: string, account: string | undefined, region: string): void {
    this.#total += 1;
    bump(this.#byOperation, operation);
    if (account !== undefined) bump(this.#byAccountRegion, `${account}/${region}`);
  }

  throttle(operation: string): void {
    this.#throttled += 1;
    bump(this.#throttledByOperation, operation);
  }

  snapshot(): SandboxStats {
    return {
      total: this.#total,
      throttled: this.#throttled,
      byOperation: Object.fromEntries(this.#byOperation),
      throttledByOperation: Object.fromEntries(this.#throttledByOperation),
      byAccountRegion: Object.fromEntries(this.#byAccountRegion),
    };
  }

  reset(): void {
    this.#total = 0;
    this.#throttled = 0;
    this.#byOperation.clear();
    this.#throttledByOperation.clear();
    this.#byAccountRegion.clear();
  }
}
