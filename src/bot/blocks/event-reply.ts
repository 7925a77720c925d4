import type { Notification } from '../../core/notifications.js';
import { who } from './finding-lines.js';
import { context, LIMITS, type Message, section } from './kit.js';
import { actor, date, escapeText, quoted, truncate } from './mrkdwn.js';

/** Events of findings that go into their alert's thread. */
export type ThreadEvent = Extract<
  Notification,
  {
    kind:
      | 'finding-resolved'
      | 'finding-reopened'
      | 'finding-escalated'
      | 'finding-acknowledged'
      | 'acknowledgement-expired';
  }
>;

/** One reply for what happened to one alert's findings since the last: who did what, when, and why. */
export function eventReply(events: readonly ThreadEvent[]): Message {
  const lines = events.map(eventLine);
  const text = truncate(lines.join('\n'), LIMITS.sectionText);
  return { text: truncate(escapeText(lines.map(stripMarkup).join(' ')), LIMITS.fallbackText), blocks: [section(text)] };
}

function eventLine(e: ThreadEvent): string {
  const whom = who(e.finding);
  switch (e.kind) {
    case 'finding-resolved':
      return `:heavy_check_mark: ${whom} resolved (${escapeText(e.cause)})${e.by.startsWith('scan:') ? '' : ` by ${actor(e.by)}`}`;
    case 'finding-reopened':
      return `:rotating_light: ${whom} is open again: ${escapeText(e.finding.reason)}`;
    case 'finding-escalated':
      return `:arrow_up: ${whom} got worse: now *${e.finding.severity.toUpperCase()}*${e.finding.public ? ', public' : ''}. Any acknowledgement of it ended.`;
    case 'finding-acknowledged':
      return `:white_check_mark: ${whom} acknowledged by ${actor(e.by)} ${e.until === null ? 'until it is resolved' : `until ${date(e.until)}`}\n${quoted(e.reason)}`;
    case 'acknowledgement-expired':
      return `:alarm_clock: The acknowledgement of ${whom} ended (${date(e.until)}): it is open again.`;
  }
}

function stripMarkup(line: string): string {
  return line
    .replace(/:[a-z_]+: /g, '')
    .replace(/[*`]/g, '')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1');
}

/** A reply that says the record changed something the message shows, and when. */
export function updatedNote(at: string): Message {
  return { text: `Updated ${at}`, blocks: [context(`Updated ${date(at)}`)] };
}
