import type { EventsReport } from './events-report.js';

/** A running consumer asks the queue at least every 20 s (a long poll), unless a batch holds it this long. */
const STALE_RECEIVE_MS = 5 * 60_000;

/**
 * The events pipeline in a few plain lines (the bot's status and doctor print them; each front end adds its own
 * markup): the queue, its backlog and dead letters, the consumer, the last events by account-region, and every
 * account-region whose events seem not to arrive.
 */
export function eventsLines(r: EventsReport, now: Date): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  if (r.depth === null) {
    lines.push(
      `Events queue ${r.queueUrl}: ${r.depthError === null ? 'not asked yet' : `cannot be read (${r.depthError})`}.`,
    );
    if (r.depthError !== null) warnings.push(`the events queue cannot be read: ${r.depthError}`);
  } else {
    const d = r.depth;
    lines.push(`Events queue ${r.queueUrl}: ${d.waiting} waiting, ${d.inFlight} being handled (as of ${d.at}).`);
    if (d.deadLetter !== null) {
      lines.push(`Dead-letter queue: ${d.deadLetter.waiting} message${d.deadLetter.waiting === 1 ? '' : 's'}.`);
      if (d.deadLetter.waiting > 0) {
        warnings.push(
          `${d.deadLetter.waiting} event${d.deadLetter.waiting === 1 ? '' : 's'} in the dead-letter queue ${d.deadLetter.queueUrl}: their keys were not read again; look at the log for why, then redrive them`,
        );
      }
    }
  }
  const c = r.consumer;
  if (c !== undefined) {
    const oldest =
      c.lastBatchOldestSentAt === null
        ? ''
        : `; the last batch's oldest message waited ${age(c.lastBatchOldestSentAt, now)}`;
    lines.push(`Consumer: ${c.running ? 'running' : 'stopped'}, ${c.rechecks} keys read again${oldest}.`);
    if (c.lastError !== null) warnings.push(`the events consumer cannot handle events: ${c.lastError}`);
    const quiet = c.lastReceiveAt === null ? 0 : now.getTime() - Date.parse(c.lastReceiveAt);
    if (c.running && c.lastError === null && quiet > STALE_RECEIVE_MS) {
      warnings.push(
        `the events consumer has not heard from the queue for ${age(c.lastReceiveAt as string, now)} (it polls every 20 s): a batch that takes this long, or a stalled connection; look at the log`,
      );
    }
  }
  if (r.sourceCount === 0) lines.push('No event seen yet from any account-region.');
  else {
    const shown = r.sources.map((s) => `${s.accountId}/${s.region} ${s.lastEventName} ${s.lastEventAt}`);
    lines.push(
      `Last event per account-region (${r.sourceCount}): ${shown.join(', ')}${r.sourceCount > shown.length ? ', …' : ''}.`,
    );
  }
  for (const s of r.silent) {
    warnings.push(
      `broken pipeline? ${s.accountId}/${s.region}: a scan saw ${s.keyArn} change at ${s.changedAt}, but ${s.lastEventAt === null ? 'no event ever came from there' : `the last event from there is from ${s.lastEventAt}`}; check the member stack (deploy/events-member.yml) in that account and region, and that a trail logs its management events`,
    );
  }
  return { lines, warnings };
}

function age(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
