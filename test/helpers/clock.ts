import { EventEmitter, once } from 'node:events';

/**
 * A clock the test moves: the notifier reads the time from `now` and waits with `sleep`, and a wait ends when the test
 * advances the clock past it (or when the notifier cuts it short), never on real time.
 */
export class ManualClock {
  private at: number;
  private readonly timers = new Set<{ readonly due: number; readonly ms: number; readonly resolve: () => void }>();
  private readonly slept = new EventEmitter();

  constructor(start = Date.now()) {
    this.at = start;
  }

  readonly now = (): Date => new Date(this.at);

  readonly sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const timer = { due: this.at + ms, ms, resolve };
      this.timers.add(timer);
      this.slept.emit('sleep');
      signal.addEventListener(
        'abort',
        () => {
          this.timers.delete(timer);
          resolve();
        },
        { once: true },
      );
    });

  /** Moves time on by `ms`: every wait that ends by then ends. */
  advance(ms: number): void {
    this.at += ms;
    for (const timer of [...this.timers]) {
      if (timer.due <= this.at) {
        this.timers.delete(timer);
        timer.resolve();
      }
    }
  }

  /** Resolves once `count` things wait `ms` on this clock (already, or from now on). */
  async sleeping(ms: number, count = 1): Promise<void> {
    while ([...this.timers].filter((t) => t.ms === ms).length < count) await once(this.slept, 'sleep');
  }

  /** Resolves once something waits at most `ms` on this clock (already, or from now on). */
  async waitingAtMost(ms: number): Promise<void> {
    while (this.earliest(ms) === undefined) await once(this.slept, 'sleep');
  }

  /** Moves time on to the end of the earliest wait of at most `ms` (if there is one), ending it and any due by then. */
  advanceToEarliest(ms: number): void {
    const due = this.earliest(ms);
    if (due !== undefined) this.advance(Math.max(0, due - this.at));
  }

  private earliest(ms: number): number | undefined {
    const dues = [...this.timers].filter((t) => t.ms <= ms).map((t) => t.due);
    return dues.length === 0 ? undefined : Math.min(...dues);
  }
}

/** How long a helper waits for what a test awaits (a Slack call, a log line) before failing: under the per-test limit. */
export const WAIT_MS = 30_000;

/** `promise`, or a failure naming `what` once `ms` of real time have passed: a regression fails instead of hanging. */
export async function deadline<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
