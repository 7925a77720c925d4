import { printable } from '../../core/printable.js';

/**
 * Text for Slack. The bot's own strings are written as mrkdwn; everything else (what a key policy, AWS, the config,
 * the record or a person wrote) goes through `outside`, the one function that decides how such text is shown.
 */

/** Where outside text is shown: in mrkdwn prose, inside a code span or block, or in a plain_text field. */
export type Showing = 'text' | 'code' | 'plain';

/**
 * Markup characters shown as look-alikes, so that text shows them as written and Slack formats nothing: `*bold*`,
 * `_italic_`, `~strike~` and a backtick (which would open or end code) cannot form.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = { '*': '∗', _: 'ˍ', '~': '∼', '`': 'ˋ' };

/**
 * Outside text, made to show literally wherever it is put:
 * - every control, bidirectional, zero-width or other invisible character becomes a visible escape (`\n`, `\u202e`),
 *   so the text stays on its line and hides nothing;
 * - in mrkdwn, `&`, `<` and `>` are escaped, so no mention (`<!channel>`, `<@U…>`), link or date token can form;
 * - in prose, markup characters become look-alikes (`∗ ˍ ∼ ˋ`), and a `>` opening the text one (`›`), so it never
 *   starts a quote; inside code only the backtick needs one, and `*` in an ARN stays `*`;
 * - in plain_text, which Slack does not parse, `<` and `>` become look-alikes (`‹ ›`) all the same.
 * Together with `verbatim` on every mrkdwn object (kit.ts), Slack links and mentions nothing the bot did not write.
 */
export function outside(text: string, showing: Showing = 'text'): string {
  const visible = printable(text);
  if (showing === 'plain') return visible.replace(/</g, '‹').replace(/>/g, '›');
  if (showing === 'code') return escapeText(visible.replace(/`/g, LOOK_ALIKES['`'] as string));
  return escapeText(visible.replace(/^>/, '›').replace(/[*_~`]/g, (c) => LOOK_ALIKES[c] as string));
}

/** Escapes Slack's three control characters (what `outside` does first of all in mrkdwn). */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Outside text shown verbatim, in code formatting (principals, ARNs, statement names, commands). */
export function code(text: string): string {
  const shown = outside(text, 'code');
  return `\`${shown === '' ? ' ' : shown}\``;
}

/**
 * Lines shown in a preformatted block: each line's control and invisible characters made visible, and backticks
 * shown as a look-alike, so that nothing in them can end the block or pass for something else.
 */
export function preformattedText(lines: readonly string[]): string {
  return lines.map((line) => outside(line, 'code')).join('\n');
}

/** Outside text for a plain_text field. */
export function plain(text: string): string {
  return outside(text, 'plain');
}

/** Text a person wrote (a note, a reason), shown as a quote, each of its lines literally. */
export function quoted(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${outside(line)}`)
    .join('\n');
}

/** A Slack date token that each reader sees in their own time zone, with a fallback for clients that cannot. */
export function date(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return outside(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${outside(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}>`;
}

export const mention = (userId: string) => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : outside(userId));

/** Who did something, as the record names them: a Slack user becomes a mention, anyone else stays as written. */
export function actor(recorded: string): string {
  const slack = /^slack:([UW][A-Z0-9]+)$/.exec(recorded);
  return slack?.[1] !== undefined ? mention(slack[1]) : code(recorded);
}

/** Cuts text to at most `max` characters, saying so; an escape (`&lt;`) is cut whole, never left half. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1)).replace(/&[a-z]{0,3}$/, '')}…`;
}
