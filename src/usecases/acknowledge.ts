import { SentinelError } from '../core/errors.js';
import type { Store, StoredFinding } from './store-port.js';

export interface Acknowledgement {
  readonly fingerprint: string;
  readonly reason: string;
  /**
   * When the acknowledgement ends and the finding is open again (see parseAcknowledgementEnd); undefined for
   * "until it is resolved".
   */
  readonly until: string | undefined;
  readonly actor: string;
  readonly now: Date;
}

/** Acknowledges a finding for a reason, optionally until a time. Shared by the CLI and the bot. */
export function acknowledge(store: Store, ack: Acknowledgement): StoredFinding {
  const reason = ack.reason.trim();
  if (reason === '') throw new SentinelError('usage', 'an acknowledgement needs a reason');
  const until = ack.until === undefined ? null : parseAcknowledgementEnd(ack.until, ack.now);
  return store.acknowledge(ack.fingerprint, ack.actor, reason, until, ack.now);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const FORMS = 'use YYYY-MM-DD or a full ISO 8601 time with its zone, such as 2027-01-31T18:00:00Z';

/**
 * Reads when an acknowledgement ends: a calendar date (the start of that day, UTC) or a full ISO 8601 time with its
 * zone. The date must exist (no 30 February), lie in the future, and fall in a year up to 9999, so that every end
 * is stored in one sortable form.
 */
export function parseAcknowledgementEnd(text: string, now: Date): Date {
  const bad = (why: string) => new SentinelError('usage', `${JSON.stringify(text)} ${why}`);
  const date = DATE.exec(text);
  const time = date === null ? TIME.exec(text) : null;
  const parts = date ?? time;
  if (parts === null) throw bad(`is not a date or time; ${FORMS}`);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(parts[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = Number(`0.${time?.[7] ?? '0'}`);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) throw bad('is not a date on the calendar');
  if (hour > 23 || minute > 59 || second > 59) throw bad('is not a time of day');
  let offsetMinutes = 0;
  if (time?.[9] !== undefined) {
    const [sign, hours, minutes] = [time[9], Number(time[10]), Number(time[11])];
    if (hours > 14 || minutes > 59) throw bad('has a time zone offset that does not exist');
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, Math.floor(fraction * 1000));
  const end = new Date(utc.getTime() - offsetMinutes * 60_000);
  assertFutureEnd(end, now, text);
  return end;
}

function assertFutureEnd(end: Date, now: Date, shown: string): void {
  if (Number.isNaN(end.getTime()) || end.getUTCFullYear() > 9999) {
    throw new SentinelError('usage', `${JSON.stringify(shown)} is too far away: the year must be 9999 or earlier`);
  }
  if (end.getTime() <= now.getTime()) {
    throw new SentinelError(
      'usage',
      `${JSON.stringify(shown)} is already past: an acknowledgement must end in the future`,
    );
  }
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
