import { messageOf, SentinelError, type SourcePosition } from '../errors.js';
import { firstSyntaxProblem } from './json-syntax.js';

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
  if (keyEnds(text) !== countKeys(value)) assertNoDuplicateKeys(text);
  return value;
}

const KEY_END = /"\s*:/g;

/**
 * An upper bound on the keys written in the text: every key ends with a quote and a colon (a string value can
 * only add to the count, through an escaped quote before a colon). When it equals the keys JSON.parse kept,
 * no key was dropped, and the slower duplicate scan can be skipped.
 */
function keyEnds(text: string): number {
  let count = 0;
  KEY_END.lastIndex = 0;
  while (KEY_END.exec(text) !== null) count++;
  return count;
}

/** Counts object keys at every depth, without recursion: JSON.parse accepts nesting deeper than the call stack. */
function countKeys(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else {
      for (const key in value) {
        count++;
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return count;
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
  const problem = firstSyntaxProblem(text);
  if (problem === undefined) {
    return new SentinelError('invalid-json', `invalid JSON: ${messageOf(cause)}`, { cause });
  }
  const position = positionAt(text, problem.offset);
  return new SentinelError(
    'invalid-json',
    `invalid JSON at line ${position.line}, column ${position.column}: ${problem.message}`,
    { position, cause },
  );
}

/** One open object or array; names are built only when an error needs them. */
interface Frame {
  readonly parent: Frame | undefined;
  /** The key or index this container sits at in its parent. */
  readonly at: string | number;
  readonly isObject: boolean;
  readonly keys: string[];
  readonly offsets: number[];
  expectKey: boolean;
  index: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** Walks text that JSON.parse already accepted, so it only tracks structure and object keys. */
function assertNoDuplicateKeys(text: string): void {
  let top: Frame | undefined;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (top?.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const seen = top.keys.indexOf(key);
        if (seen !== -1) throw duplicateKey(text, key, top, top.offsets[seen] ?? 0, i);
        top.keys.push(key);
        top.offsets.push(i);
        top.expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const at = top === undefined ? '' : top.isObject ? (top.keys[top.keys.length - 1] ?? '') : top.index;
      const isObject = c === OPEN_OBJECT;
      top = { parent: top, at, isObject, keys: [], offsets: [], expectKey: isObject, index: 0 };
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      top = top?.parent;
    } else if (c === COMMA && top !== undefined) {
      if (top.isObject) top.expectKey = true;
      else top.index++;
    }
  }
}

function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (isEscaped(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

/** A quote is escaped when an odd number of backslashes precede it. */
function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let j = quote - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
  return backslashes % 2 === 1;
}

function duplicateKey(text: string, key: string, object: Frame, firstOffset: number, offset: number) {
  const first = positionAt(text, firstOffset);
  const again = positionAt(text, offset);
  const name = pathOf(object);
  const where = name === '' ? 'the top-level object' : name;
  return new SentinelError(
    'duplicate-key',
    `duplicate key ${JSON.stringify(key)} in ${where}: first on line ${first.line}, again on line ${again.line}` +
      ' (JSON parsers keep only the last one, so the first value would be silently lost; merge them into a list)',
    { position: again },
  );
}

/** The path of an object, e.g. `Statement[0].Principal`; iterative (the nesting can be thousands deep), and long paths are shortened. */
function pathOf(frame: Frame | undefined): string {
  const parts: string[] = [];
  for (let f = frame; f?.parent !== undefined; f = f.parent) {
    parts.push(typeof f.at === 'number' ? `[${f.at}]` : `.${f.at}`);
  }
  parts.reverse();
  const shown =
    parts.length <= MAX_PATH_PARTS
      ? parts
      : [
          ...parts.slice(0, MAX_PATH_PARTS / 2),
          `...(${parts.length - MAX_PATH_PARTS} levels)...`,
          ...parts.slice(-MAX_PATH_PARTS / 2),
        ];
  return shown.join('').replace(/^\./, '');
}

const MAX_PATH_PARTS = 16;
