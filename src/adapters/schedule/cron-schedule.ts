import { createTask, type ScheduledTask } from 'node-cron';

/** Scans (and summaries) on a schedule: the production code that uses node-cron. */
export interface Schedule {
  /** When it fires next, as an ISO time (null when stopped). */
  next(): string | null;
  stop(): Promise<void>;
}

/**
 * Calls `tick` at every time `expression` names in `timezone`. Whether a tick may start a scan (none may while one
 * runs) is the caller's call: this only keeps time. The timer does not keep the process alive on its own.
 */
export function startSchedule(
  expression: string,
  timezone: string,
  tick: (at: Date) => void,
  name = 'kms-sentinel scan',
): Schedule {
  const task: ScheduledTask = createTask(expression, (context) => tick(context.date), {
    timezone,
    name,
    unref: true,
  });
  void task.start();
  let stopped = false;
  return {
    next: () => (stopped ? null : (task.getNextRun()?.toISOString() ?? null)),
    stop: async () => {
      stopped = true;
      await task.destroy();
    },
  };
}
