interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets keyed by caller-chosen strings: `rate` requests per second, bursts up to one second's worth. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  /** Takes a token from the bucket of `key`; false when it is empty (the request is over quota). */
  take(key: string, rate: number, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: rate, updatedAt: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.updatedAt) * rate) / 1000);
      bucket.updatedAt = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
