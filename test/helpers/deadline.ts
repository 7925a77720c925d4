/** Resolves as `promise` does, or fails once `ms` have passed, naming what was awaited: a regression fails, never hangs. */
export async function within<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves with what `check` returns once that is defined, looking every `everyMs`: only for state nothing announces
 * (a /proc file, another process's signal mask); fails once `ms` have passed, naming what was awaited.
 */
export async function observed<T>(check: () => T | undefined, what: string, ms = 20_000, everyMs = 10): Promise<T> {
  const giveUpAt = performance.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > giveUpAt) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
