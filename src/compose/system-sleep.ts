/**
 * A sleep on the system clock that ends early, without error, when `signal` aborts. Its timer is ref'd on purpose: a
 * process waiting only on it (a retry backoff, a coalescing wait) stays alive for it.
 */
export function systemSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
