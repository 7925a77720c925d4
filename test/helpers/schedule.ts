import type { ScheduleKeeper } from '../../src/bot/bot.js';

/** A schedule the test fires: a scheduled scan is due exactly when the test calls `tick()`, never on real time. */
export class ManualSchedule implements ScheduleKeeper {
  private ticks: (() => void) | undefined;

  start(tick: () => void): { next(): string | null; stop(): Promise<void> } {
    this.ticks = tick;
    return {
      next: () => (this.ticks === undefined ? null : '2030-01-01T00:00:00.000Z'),
      stop: async () => {
        this.ticks = undefined;
      },
    };
  }

  /** The time of a scheduled scan comes (as node-cron would call the bot); nothing happens once the bot stopped it. */
  tick(): void {
    this.ticks?.();
  }
}
