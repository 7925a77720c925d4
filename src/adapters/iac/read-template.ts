import { type Document, isAlias, isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { SentinelError } from '../../core/errors.js';
import type { TemplateDocument, TemplateKind } from '../../core/iac/types.js';
import { parseStrictJson } from '../../core/policy/json-text.js';
import { CLOUDFORMATION_TAGS, FUNCTION_OF_TAG } from './cloudformation-tags.js';

type Path = readonly (string | number)[];
type Format = 'JSON' | 'YAML';

/** Deeper than any real template; a bound keeps the readers and the resolver within the call stack. */
const MAX_DEPTH = 64;
/** Anchors and aliases can expand a small file into billions of values; no template needs this many. */
const MAX_VALUES = 1_000_000;

/**
 * Reads a CloudFormation template or a Terraform plan: JSON (a `.json` file, or text starting with `{`) through the
 * strict JSON parser, which names the line and column of a syntax error and refuses a key given twice; anything else
 * as YAML with CloudFormation's short-form tags turned into their long JSON form. Throws SentinelError with the line:
 * `invalid-json`, `invalid-yaml` (tabs, broken indentation, an unknown tag, ...), `duplicate-key` (either format).
 */
export function readTemplate(file: string, input: string): TemplateDocument {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return isJson(file, text) ? readJson(file, text) : readYaml(file, text);
}

/** What a template's root says it is: a CloudFormation template, a Terraform plan (`terraform show -json`), or neither. */
export function templateKind(root: unknown): TemplateKind | undefined {
  if (!isRecord(root)) return undefined;
  if (isRecord(root.Resources)) return 'cloudformation';
  if ('format_version' in root && ('planned_values' in root || 'resource_changes' in root)) return 'terraform-plan';
  return undefined;
}

function isJson(file: string, text: string): boolean {
  return file.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
}

function readJson(file: string, text: string): TemplateDocument {
  const root = parseStrictJson(text);
  // A plan has no lines worth giving (findings name resource addresses) and may run to hundreds of MB: the strict
  // parse is all it needs.
  if (templateKind(root) === 'terraform-plan') return document(file, root, new Map());
  // Valid JSON holds tabs only between tokens, where YAML's flow style reads them as spaces would be: replacing them
  // changes no value and no line. The JSON value stays the strict parser's; YAML only says where each value starts.
  const lines = new LineCounter();
  let positions = new Map<string, number>();
  try {
    const doc = parseDocument(text.replaceAll('\t', ' '), { lineCounter: lines, uniqueKeys: false });
    if (doc.errors.length === 0) {
      const walk: Walk = { doc, lines, text, format: 'JSON', positions, values: 0 };
      toValue(doc.contents, [], walk, 0);
    } else positions = new Map();
  } catch (error) {
    if (error instanceof SentinelError) throw error;
    // Lines are a help, not a requirement: without them the findings still name the resource and statement.
    positions = new Map();
  }
  if (positions.size === 0) assertDepth(root, 'JSON');
  return document(file, root, positions);
}

function readYaml(file: string, text: string): TemplateDocument {
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, customTags: CLOUDFORMATION_TAGS, uniqueKeys: true });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new SentinelError('invalid-yaml', `invalid YAML: nested too deeply (over ${MAX_DEPTH} levels)`);
  }
  const problems = [
    ...doc.errors,
    ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED' || w.code === 'BAD_COLLECTION_TYPE'),
  ].sort((a, b) => a.pos[0] - b.pos[0]);
  const first = problems[0];
  if (first !== undefined) {
    const at = lines.linePos(first.pos[0]);
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems after it)` : '';
    throw new SentinelError(
      first.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'invalid-yaml',
      `invalid YAML at line ${at.line}, column ${at.col}: ${explain(first.code, first.message, text, first.pos[0])}${more}`,
      { position: { line: at.line, column: at.col } },
    );
  }
  const positions = new Map<string, number>();
  const root = toValue(doc.contents, [], { doc, lines, text, format: 'YAML', positions, values: 0 }, 0);
  return document(file, root, positions);
}

function document(file: string, root: unknown, positions: ReadonlyMap<string, number>): TemplateDocument {
  return { file, root, lineOf: (path) => positions.get(pathKey(path)) };
}

/** The YAML library's words for a problem, without its own position (the message gives it) and with what to do. */
function explain(code: string, message: string, text: string, offset: number): string {
  const said = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?\s*$/, '');
  if (said.startsWith('Maximum call stack size exceeded'))
    return `nested too deeply (no template nests over ${MAX_DEPTH} levels)`;
  switch (code) {
    case 'TAB_AS_INDENT':
      return `${said} (YAML indents with spaces only: replace the tabs)`;
    case 'DUPLICATE_KEY': {
      const key = /^[ \t]*["']?([^"':\n]*)/.exec(text.slice(offset))?.[1]?.trim() ?? '';
      return `duplicate key ${JSON.stringify(key)} (YAML allows a key once per mapping and most parsers keep only the last, so the first value would be silently lost; merge them into a list)`;
    }
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (a line `---` starts another); a template is one document';
    case 'TAG_RESOLVE_FAILED':
      return `${said} (CloudFormation's short forms are ${[...FUNCTION_OF_TAG.keys()].join(', ')})`;
    default:
      return said;
  }
}

interface Walk {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly text: string;
  readonly format: Format;
  readonly positions: Map<string, number>;
  values: number;
}

/** A parsed node as a plain JSON value, recording the line each value starts on under its path. */
function toValue(node: unknown, path: Path, walk: Walk, depth: number, keyLine?: number): unknown {
  if (!isNode(node)) return null;
  // A mapping's value is where its key is written (`KeyPolicy:`), even when the value starts on the next line.
  const line = keyLine ?? lineOfNode(node, walk);
  if (isAlias(node)) {
    const target = node.resolve(walk.doc);
    return target === undefined ? null : convert(target, path, walk, depth + 1, line);
  }
  return convert(node, path, walk, depth, line);
}

function convert(node: Node, path: Path, walk: Walk, depth: number, line: number | undefined): unknown {
  walk.values++;
  if (walk.values > MAX_VALUES) throw tooLarge(walk, line, `more than ${MAX_VALUES} values (anchors and aliases?)`);
  if (depth > MAX_DEPTH) throw tooLarge(walk, line, `nested more than ${MAX_DEPTH} levels deep`);
  if (line !== undefined) walk.positions.set(pathKey(path), line);
  const fn = node.tag === undefined ? undefined : FUNCTION_OF_TAG.get(node.tag);
  if (fn === undefined) return plain(node, path, walk, depth);
  const inner = [...path, fn];
  if (line !== undefined) walk.positions.set(pathKey(inner), line);
  if (fn === 'Fn::GetAtt' && isScalar(node) && typeof node.value === 'string') {
    // `!GetAtt Resource.Attribute`: the attribute itself may hold dots (`Endpoint.Address`).
    const dot = node.value.indexOf('.');
    const parts = dot === -1 ? [node.value] : [node.value.slice(0, dot), node.value.slice(dot + 1)];
    parts.forEach((_, i) => {
      if (line !== undefined) walk.positions.set(pathKey([...inner, i]), line);
    });
    return { [fn]: parts };
  }
  return { [fn]: plain(node, inner, walk, depth) };
}

function plain(node: Node, path: Path, walk: Walk, depth: number): unknown {
  if (isScalar(node)) return typeof node.value === 'bigint' ? Number(node.value) : node.value;
  if (isSeq(node)) return node.items.map((item, i) => toValue(item, [...path, i], walk, depth + 1));
  if (isMap(node)) {
    const object: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = keyText(pair.key, walk);
      // A key such as `__proto__` is data here, as it is to JSON.parse: an own property, never the prototype.
      Object.defineProperty(object, key, {
        value: toValue(
          pair.value,
          [...path, key],
          walk,
          depth + 1,
          isNode(pair.key) ? lineOfNode(pair.key, walk) : undefined,
        ),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  }
  return null;
}

function keyText(key: unknown, walk: Walk): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return String(key.value ?? '');
  const line = isNode(key) ? lineOfNode(key, walk) : undefined;
  throw new SentinelError(
    walk.format === 'JSON' ? 'invalid-json' : 'invalid-yaml',
    `invalid ${walk.format}${line === undefined ? '' : ` at line ${line}`}: a mapping key must be a plain value, not a list or a mapping`,
    line === undefined ? {} : { position: { line, column: 1 } },
  );
}

function lineOfNode(node: Node, walk: Walk): number | undefined {
  const offset = node.range?.[0];
  return offset === undefined ? undefined : walk.lines.linePos(offset).line;
}

function tooLarge(walk: Walk, line: number | undefined, what: string): SentinelError {
  return new SentinelError(
    walk.format === 'JSON' ? 'invalid-json' : 'invalid-yaml',
    `the ${walk.format} template is not one CloudFormation would take${line === undefined ? '' : ` (line ${line})`}: ${what}`,
    line === undefined ? {} : { position: { line, column: 1 } },
  );
}

/** Without positions (YAML could not read the JSON), the depth bound still holds; iterative, as the JSON may be deep. */
function assertDepth(root: unknown, format: Format): void {
  const pending: [unknown, number][] = [[root, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DEPTH) {
      throw new SentinelError('invalid-json', `the ${format} template is nested more than ${MAX_DEPTH} levels deep`);
    }
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
}

function pathKey(path: Path): string {
  return JSON.stringify(path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
