/**
 * A signal for work that is finished after a stop request, not cut: it aborts only `graceMs` after `stop` does (so
 * work that hangs still ends). `done()` once the work is over.
 */
export function graceAfter(
  stop: AbortSignal,
  graceMs: number,
  sleep: (ms: number, signal: AbortSignal) => Promise<void>,
): { signal: AbortSignal; done(): void } {
  const work = new AbortController();
  const finished = new AbortController();
  const onStop = () => {
    sleep(graceMs, finished.signal)
      .then(() => {
        if (!finished.signal.aborted) work.abort(new Error('stopped before the read finished'));
      })
      .catch(() => undefined);
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  return {
    signal: work.signal,
    done: () => {
      stop.removeEventListener('abort', onStop);
      finished.abort();
    },
  };
}
