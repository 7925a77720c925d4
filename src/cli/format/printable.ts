/**
 * Control characters (C0, DEL, C1) and the Unicode controls that reorder or hide text (bidirectional overrides and
 * isolates, zero-width joiners, line and paragraph separators). Data from a key policy or an AWS answer may hold
 * them; printed raw, a CR or an ESC sequence rewrites the terminal line and can hide a finding.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this module's purpose
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

function escaped(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value made safe to print on one line: every unsafe character is shown as an escape (`\r`, `\x1b`, `\u202e`). */
export function printable(value: unknown): string {
  return String(value).replace(UNSAFE, escaped);
}

/** A message made safe to print, keeping its line breaks (messages of several lines are written that way). */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** A template whose interpolated values are made printable; the template's own text is kept as written. */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += printable(value) + (strings[i + 1] ?? '');
  });
  return out;
}
