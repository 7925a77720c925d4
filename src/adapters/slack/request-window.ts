import type { IncomingHttpHeaders } from 'node:http';

/**
 * How far a request's signed timestamp may be from now, either way. Bolt refuses only old requests; a request stamped
 * in the future would stay replayable for as long as its stamp is ahead, so it is refused too.
 */
export const REQUEST_WINDOW_SECONDS = 5 * 60;

/** Why a signed request's timestamp is refused, or undefined when it is within the window of `now`. */
export function timestampRefusal(
  headers: IncomingHttpHeaders,
  now: Date,
): { reason: 'missing' | 'not-a-number' | 'outside-window'; skewSeconds?: number } | undefined {
  const stamp = headers['x-slack-request-timestamp'];
  if (stamp === undefined) return { reason: 'missing' };
  // Seconds since the epoch, as Slack sends them ("1e9", "-5", a header sent twice are not); milliseconds are far ahead.
  if (typeof stamp !== 'string' || !/^\d{1,15}$/.test(stamp)) return { reason: 'not-a-number' };
  const skewSeconds = Number(stamp) - Math.floor(now.getTime() / 1000);
  return Math.abs(skewSeconds) > REQUEST_WINDOW_SECONDS ? { reason: 'outside-window', skewSeconds } : undefined;
}

/**
 * Whether a request carries no signature at all. Such a request is left to Bolt, which refuses it, except Slack's
 * `ssl_check` (unsigned by design; answered with an empty 200 and dispatched to nothing).
 */
export function unsigned(headers: IncomingHttpHeaders): boolean {
  return headers['x-slack-signature'] === undefined && headers['x-slack-request-timestamp'] === undefined;
}
