/**
 * Control characters (C0, DEL, C1), every Unicode format character (bidirectional overrides and isolates,
 * zero-width characters, soft hyphens, tags), lone surrogates, line and paragraph separators, and the other
 * characters that draw nothing (fillers, variation selectors). Data from a key policy or an AWS answer may hold
 * them; printed raw, a CR or an ESC sequence rewrites the terminal line, and an invisible one hides a difference.
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists lone combining characters on purpose
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u{e0100}-\u{e01ef}]/gu;

function escaped(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
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
