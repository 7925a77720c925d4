import { printable } from '../../core/printable.js';

/**
 * Text for Slack's mrkdwn. Anything that came from a key policy, AWS or a person goes through these: `&`, `<` and `>`
 * are Slack's control characters (a `<!channel>` in a Sid would ping everyone), and markup characters outside code
 * change the text (a bare `*` turns what follows bold and would hide a public principal).
 */

/** Escapes Slack's three control characters. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Shows text verbatim, in code formatting. A backtick inside would end the code span, so it is shown as a
 * look-alike (ˋ, U+02CB); line breaks and other control characters become visible escapes.
 */
export function code(text: string): string {
  const shown = visible(text).replace(/`/g, 'ˋ');
  return `\`${escapeText(shown === '' ? ' ' : shown)}\``;
}

/**
 * Lines shown in a preformatted block: each line's control and invisible characters made visible, and backticks
 * shown as a look-alike, so that nothing in them can end the block or pass for something else.
 */
export function preformattedText(lines: readonly string[]): string {
  return escapeText(lines.map((line) => visible(line).replace(/`/g, 'ˋ')).join('\n'));
}

/** Plain text (for `plain_text` fields): only control characters are made visible; Slack shows the rest as is. */
export function plain(text: string): string {
  return visible(text);
}

/** Text a person wrote (a note, a reason), shown as a quote, markup and all characters neutralized. */
export function quoted(text: string): string {
  return visible(text)
    .split('\n')
    .map((line) => `>${escapeText(line).replace(/[*_~`]/g, (c) => `\u200b${c}\u200b`)}`)
    .join('\n');
}

/** A Slack date token that each reader sees in their own time zone, with a fallback for clients that cannot. */
export function date(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return escapeText(iso);
  return `<!date^${seconds}^{date_short_pretty} {time}|${escapeText(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}>`;
}

export const mention = (userId: string) => (/^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeText(userId));

/** Who did something, as the record names them: a Slack user becomes a mention, anyone else stays as written. */
export function actor(recorded: string): string {
  const slack = /^slack:([UW][A-Z0-9]+)$/.exec(recorded);
  return slack?.[1] !== undefined ? mention(slack[1]) : code(recorded);
}

/** Cuts text to at most `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Control and invisible characters made visible as escapes (`\n`, `\x1b`, `\u202e`): text stays on its line. */
function visible(text: string): string {
  return printable(text);
}
