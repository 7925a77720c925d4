import { validateDetailed } from 'node-cron';

/** Why a cron expression is not one node-cron runs (null when it is): the fields it gets wrong. */
export function cronProblem(expression: string): string | null {
  const checked = validateDetailed(expression);
  if (checked.valid) return null;
  const why = checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return `${JSON.stringify(expression)} is not a cron expression node-cron runs (${why || 'five or six fields: [second] minute hour day-of-month month day-of-week'})`;
}

/** Whether a time zone is an IANA name this Node.js knows (UTC, Europe/Paris, America/New_York, ...). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}
