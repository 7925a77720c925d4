import type { Notification } from '../../core/notifications.js';
import { ACTIONS } from '../../usecases/slack-surface.js';
import { who } from './finding-lines.js';
import { type Block, context, LIMITS, type Message, plainText, section } from './kit.js';
import { actor, code, date, outside, quoted, truncate } from './mrkdwn.js';

/** Events of findings (and of remediations) that go into their alert's thread. */
export type ThreadEvent = Extract<
  Notification,
  {
    kind:
      | 'finding-resolved'
      | 'finding-reopened'
      | 'finding-escalated'
      | 'finding-acknowledged'
      | 'acknowledgement-expired'
      | 'remediation-applied'
      | 'remediation-failed'
      | 'remediation-undone';
  }
>;

/** One reply for what happened to one alert's findings since the last: who did what, when, and why. */
export function eventReply(events: readonly ThreadEvent[]): Message {
  const lines = events.map(eventLine);
  const text = truncate(lines.join('\n'), LIMITS.sectionText);
  const applied = events.filter((e) => e.kind === 'remediation-applied');
  const blocks: Block[] = [section(text)];
  // An applied remediation can be undone from its thread (admins; checked on the server).
  const last = applied[applied.length - 1];
  if (last !== undefined) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTIONS.undoRemediation,
          text: plainText('Undo'),
          value: last.remediationId,
          confirm: {
            title: plainText('Undo this remediation?'),
            text: plainText(
              'Puts the key policy back as it was before, if nobody changed it since. Revoked grants cannot be restored.',
            ),
            confirm: plainText('Undo'),
            deny: plainText('Cancel'),
            style: 'danger',
          },
        },
      ],
    });
  }
  return { text: truncate(lines.map(stripMarkup).join(' '), LIMITS.fallbackText), blocks };
}

function eventLine(e: ThreadEvent): string {
  if ('remediationId' in e) return remediationLine(e);
  const whom = who(e.finding);
  switch (e.kind) {
    case 'finding-resolved':
      return `:heavy_check_mark: ${whom} resolved (${outside(e.cause)})${e.by.startsWith('scan:') ? '' : ` by ${actor(e.by)}`}`;
    case 'finding-reopened':
      return `:rotating_light: ${whom} is open again: ${outside(e.finding.reason)}`;
    case 'finding-escalated':
      return `:arrow_up: ${whom} got worse: now *${e.finding.severity.toUpperCase()}*${e.finding.public ? ', public' : ''}. Any acknowledgement of it ended.`;
    case 'finding-acknowledged':
      return `:white_check_mark: ${whom} acknowledged by ${actor(e.by)} ${e.until === null ? 'until it is resolved' : `until ${date(e.until)}`}\n${quoted(e.reason)}`;
    case 'acknowledgement-expired':
      return `:alarm_clock: The acknowledgement of ${whom} ended (${date(e.until)}): it is open again.`;
  }
}

function remediationLine(e: Extract<ThreadEvent, { remediationId: string }>): string {
  const what = (items: readonly string[]) => items.map((i) => `• ${outside(i)}`).join('\n');
  switch (e.kind) {
    case 'remediation-applied':
      return `:wrench: Remediated by ${actor(e.by)} (${code(e.remediationId)}):\n${what(e.changed)}`;
    case 'remediation-failed':
      return `:x: The remediation by ${actor(e.by)} (${code(e.remediationId)}) failed. Changed:\n${what(e.changed) || '• nothing'}\nNot changed:\n${what(e.notChanged)}`;
    case 'remediation-undone':
      return `:leftwards_arrow_with_hook: Remediation ${code(e.remediationId)} undone by ${actor(e.by)}:\n${what([...e.changed, ...e.notChanged])}`;
  }
}

/**
 * A line as the notification shows it: without emoji, bold or date tokens (their fallback instead). Code stays code:
 * outside text in it keeps its `*`, which only code keeps from being markup.
 */
function stripMarkup(line: string): string {
  return line
    .replace(/:[a-z_]+: /g, '')
    .replace(/(`[^`]*`)|\*/g, (_star, span: string | undefined) => span ?? '')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1');
}

/** A reply that says the record changed something the message shows, and when. */
export function updatedNote(at: string): Message {
  return { text: `Updated ${outside(at)}`, blocks: [context(`Updated ${date(at)}`)] };
}
