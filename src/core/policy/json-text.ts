import jsonc from 'jsonc-parser';
import { SentinelError, type SourcePosition } from '../errors.js';

/**
 * Parses JSON strictly: standard JSON only, and an object may not name the same key twice.
 * JSON.parse keeps the last of two equal keys, which silently drops a principal from a policy such as
 * `"Principal": {"AWS": "A", "AWS": "B"}`; this refuses it and names both lines.
 */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw syntaxError(text, error);
  }
  assertNoDuplicateKeys(text);
  return value;
}

export function positionAt(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function syntaxError(text: string, cause: unknown): SentinelError {
  const errors: jsonc.ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) {
    return new SentinelError('invalid-json', `invalid JSON: ${(cause as Error).message}`, { cause });
  }
  const position = positionAt(text, first.offset);
  const found = text.slice(first.offset, first.offset + Math.max(first.length, 1));
  const what = describeParseError(first.error, found, text, first.offset);
  return new SentinelError(
    'invalid-json',
    `invalid JSON at line ${position.line}, column ${position.column}: ${what}`,
    {
      position,
      cause,
    },
  );
}

function describeParseError(code: jsonc.ParseErrorCode, found: string, text: string, offset: number): string {
  const shown = found === '' ? 'end of input' : found.startsWith('"') ? found : `'${found}'`;
  if (code === jsonc.ParseErrorCode.PropertyNameExpected || code === jsonc.ParseErrorCode.ValueExpected) {
    const before = text.slice(0, offset).trimEnd();
    if (before.endsWith(',') && (found === '}' || found === ']')) {
      return `trailing comma before ${shown} (JSON allows no comma after the last element)`;
    }
  }
  if (code === jsonc.ParseErrorCode.InvalidCommentToken) return 'comments are not allowed in JSON';
  if (code === jsonc.ParseErrorCode.CommaExpected) return `expected a comma before ${shown}`;
  return `${jsonc.printParseErrorCode(code)} near ${shown}`;
}

interface ObjectFrame {
  readonly keys: Map<string, number>;
  readonly name: string;
  expectKey: boolean;
  lastKey: string;
}
interface ArrayFrame {
  readonly keys: null;
  readonly name: string;
  index: number;
}
type Frame = ObjectFrame | ArrayFrame;

const QUOTE = 34;
const BACKSLASH = 92;
const NEWLINE = 10;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** Walks text that JSON.parse already accepted, so it only tracks structure and object keys. */
function assertNoDuplicateKeys(text: string): void {
  const stack: Frame[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(end);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          end += 2;
        } else {
          end++;
        }
      }
      const top = stack[stack.length - 1];
      if (top !== undefined && top.keys !== null && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const firstLine = top.keys.get(key);
        if (firstLine !== undefined) {
          const where = top.name === '' ? 'the top-level object' : top.name;
          throw new SentinelError(
            'duplicate-key',
            `duplicate key ${JSON.stringify(key)} in ${where}: first on line ${firstLine}, again on line ${line}` +
              ' (JSON parsers keep only the last one, so the first value would be silently lost; merge them into a list)',
            { position: { line, column: i - text.lastIndexOf('\n', i - 1) } },
          );
        }
        top.keys.set(key, line);
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === NEWLINE) {
      line++;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const name = childName(stack[stack.length - 1]);
      stack.push(
        c === OPEN_OBJECT ? { keys: new Map(), name, expectKey: true, lastKey: '' } : { keys: null, name, index: 0 },
      );
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top === undefined) continue;
      if (top.keys === null) top.index++;
      else top.expectKey = true;
    }
  }
}

function childName(parent: Frame | undefined): string {
  if (parent === undefined) return '';
  if (parent.keys === null) return `${parent.name}[${parent.index}]`;
  return parent.name === '' ? parent.lastKey : `${parent.name}.${parent.lastKey}`;
}
