/**
 * Finds the first place where text stops being standard JSON, and says what is wrong there in words a person can
 * act on (a trailing comma, a missing comma, a comment). One pass with an explicit stack: any nesting depth is safe.
 */
export interface SyntaxProblem {
  readonly offset: number;
  readonly message: string;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[^\s,:[\]{}"]{1,24}/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

export function firstSyntaxProblem(text: string): SyntaxProblem | undefined {
  const closers: string[] = [];
  let expect: Expect = 'value';
  let afterComma = false;
  let i = 0;
  for (;;) {
    i = skipWhitespace(text, i);
    if (i >= text.length) {
      return expect === 'end' ? undefined : { offset: i, message: 'unexpected end of input' };
    }
    const c = text[i] as string;
    if (c === '/') return { offset: i, message: 'comments are not allowed in JSON' };
    if (expect === 'end') {
      return { offset: i, message: `unexpected ${shown(text, i)} after the end of the JSON value` };
    }
    if (expect === 'colon') {
      if (c !== ':') return { offset: i, message: `expected a colon after the key, before ${shown(text, i)}` };
      expect = 'value';
      i++;
      continue;
    }
    if (expect === 'comma-or-close') {
      if (c === ',') {
        expect = closers[closers.length - 1] === '}' ? 'key' : 'value';
        afterComma = true;
        i++;
      } else if (c === closers[closers.length - 1]) {
        closers.pop();
        expect = afterValue(closers);
        afterComma = false;
        i++;
      } else if (c === '}' || c === ']') {
        return {
          offset: i,
          message: `'${c}' does not close the open '${closers[closers.length - 1] === '}' ? '{' : '['}'`,
        };
      } else {
        return { offset: i, message: `expected a comma before ${shown(text, i)}` };
      }
      continue;
    }
    if ((c === '}' || c === ']') && afterComma) {
      return { offset: i, message: `trailing comma before '${c}' (JSON allows no comma after the last element)` };
    }
    if (expect === 'key' || expect === 'key-or-close') {
      if (c === '}' && expect === 'key-or-close') {
        closers.pop();
        expect = afterValue(closers);
        afterComma = false;
        i++;
        continue;
      }
      if (c !== '"') {
        return { offset: i, message: `expected a key in double quotes, not ${shown(text, i)}` };
      }
      const end = stringEnd(text, i);
      if (typeof end !== 'number') return end;
      expect = 'colon';
      afterComma = false;
      i = end;
      continue;
    }
    // A value is expected (or, right after '[', the end of the array).
    if (c === ']' && expect === 'value-or-close') {
      closers.pop();
      expect = afterValue(closers);
      afterComma = false;
      i++;
    } else if (c === '{' || c === '[') {
      closers.push(c === '{' ? '}' : ']');
      expect = c === '{' ? 'key-or-close' : 'value-or-close';
      afterComma = false;
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      if (typeof end !== 'number') return end;
      expect = afterValue(closers);
      afterComma = false;
      i = end;
    } else {
      const end = scalarEnd(text, i);
      if (end === undefined) return { offset: i, message: `expected a JSON value, not ${shown(text, i)}` };
      expect = afterValue(closers);
      afterComma = false;
      i = end;
    }
  }
}

function afterValue(closers: readonly string[]): Expect {
  return closers.length === 0 ? 'end' : 'comma-or-close';
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

/** The offset just past the closing quote of the string opening at `open`, or the problem inside it. */
function stringEnd(text: string, open: number): number | SyntaxProblem {
  let i = open + 1;
  for (;;) {
    if (i >= text.length) return { offset: open, message: "a string is never closed (missing '\"')" };
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) {
      return { offset: i, message: 'a control character (a line break or tab) inside a string must be escaped' };
    }
    if (c === 0x5c) {
      const next = text[i + 1] ?? '';
      if (next === 'u' ? !HEX4.test(text.slice(i + 2, i + 6)) : !ESCAPES.has(next)) {
        return { offset: i, message: `invalid escape ${JSON.stringify(text.slice(i, i + 2))} in a string` };
      }
      i += next === 'u' ? 6 : 2;
    } else {
      i++;
    }
  }
}

/** The offset just past a number, `true`, `false` or `null` starting at `at`; undefined when none starts there. */
function scalarEnd(text: string, at: number): number | undefined {
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, at)) return at + literal.length;
  }
  NUMBER.lastIndex = at;
  return NUMBER.test(text) ? NUMBER.lastIndex : undefined;
}

/** The token at `at`, as a person would quote it. */
function shown(text: string, at: number): string {
  const c = text[at] as string;
  if (c === '"') {
    const end = stringEnd(text, at);
    const literal = text.slice(at, typeof end === 'number' ? end : at + 1);
    return literal.length > 40 ? `${literal.slice(0, 37)}..."` : literal;
  }
  WORD.lastIndex = at;
  const word = WORD.exec(text)?.[0] ?? c;
  return JSON.stringify(word).replace(/^"|"$/g, "'");
}
