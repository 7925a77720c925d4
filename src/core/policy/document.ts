import { SentinelError } from '../errors.js';
import { parseStrictJson } from './json-text.js';

/** KMS refuses key policies over 32 KB; a larger document cannot be a real key policy. */
export const MAX_POLICY_BYTES = 32 * 1024;

export type Effect = 'Allow' | 'Deny';

export interface PrincipalBlock {
  /** `"*"` as the whole principal, or `"*"` among the AWS principals. The lists hold no `"*"` and no repeats. */
  readonly everyone: boolean;
  readonly aws: readonly string[];
  readonly service: readonly string[];
  readonly federated: readonly string[];
  readonly canonicalUser: readonly string[];
}

export interface ConditionClause {
  /** The operator as written, e.g. `ForAnyValue:StringLike`. */
  readonly operator: string;
  /** The condition key, lower-cased: key names are case-insensitive. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  /** The Sid, or `#N` (1-based) when there is none. */
  readonly label: string;
  readonly effect: Effect;
  readonly principal: PrincipalBlock;
  /** True when the principal came from `NotPrincipal`. */
  readonly notPrincipal: boolean;
  /** Action patterns; `undefined` when the statement has neither Action nor NotAction. */
  readonly actions: readonly string[] | undefined;
  readonly notAction: boolean;
  readonly hasResource: boolean;
  /** Resource (or NotResource) patterns; `undefined` when the statement has neither. */
  readonly resources: readonly string[] | undefined;
  readonly notResource: boolean;
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  readonly statements: readonly PolicyStatement[];
}

/** Parses and validates a key policy document given as JSON text. Throws SentinelError on any malformed input. */
export function parsePolicyText(input: string): PolicyDocument {
  // Editors on Windows save a byte-order mark; it is not part of the JSON.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const bytes = utf8Length(text);
  if (bytes > MAX_POLICY_BYTES) {
    throw new SentinelError(
      'policy-too-large',
      `the policy is ${bytes} bytes; KMS key policies are limited to ${MAX_POLICY_BYTES} bytes (32 KB)`,
    );
  }
  return parsePolicyValue(parseStrictJson(text));
}

/** Validates an already-parsed policy value. */
export function parsePolicyValue(value: unknown): PolicyDocument {
  if (!isObject(value)) fail('', `a key policy must be a JSON object, not ${typeName(value)}`);
  const raw = value.Statement;
  if (raw === undefined) fail('', 'the policy has no "Statement"; a key policy needs at least one statement');
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) fail('Statement', '"Statement" is empty; a key policy needs at least one statement');
  const statements = list.map((entry, index) => parseStatement(entry, index, Array.isArray(raw)));
  return { statements: distinctLabels(statements) };
}

/**
 * Two statements with one Sid are still two statements: each such label gets its position, `Sid (#N)`. A label
 * made so may equal another statement's own Sid (`"A (#3)"`), so this repeats until every label is unique: a
 * finding is known by its statement's label, and two statements must never share one.
 */
function distinctLabels(statements: PolicyStatement[]): PolicyStatement[] {
  let labels = statements.map((s) => s.label);
  for (;;) {
    const counts = new Map<string, number>();
    for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
    if (counts.size === labels.length) break;
    labels = labels.map((label, index) => ((counts.get(label) ?? 0) > 1 ? `${label} (#${index + 1})` : label));
  }
  return statements.map((s, index) => (s.label === labels[index] ? s : { ...s, label: labels[index] as string }));
}

function parseStatement(value: unknown, index: number, inArray: boolean): PolicyStatement {
  const path = inArray ? `Statement[${index}]` : 'Statement';
  if (!isObject(value)) fail(path, `a statement must be an object, not ${typeName(value)}`);
  const sid = value.Sid;
  if (sid !== undefined && typeof sid !== 'string') fail(`${path}.Sid`, `"Sid" must be a string, not ${typeName(sid)}`);
  const label = sid !== undefined && sid !== '' ? sid : `#${index + 1}`;
  const at = `${path} (${label})`;

  const effect = value.Effect;
  if (effect === undefined) fail(at, 'the statement has no "Effect"; it must be "Allow" or "Deny"');
  if (effect !== 'Allow' && effect !== 'Deny')
    fail(`${at}.Effect`, `"Effect" must be "Allow" or "Deny", not ${show(effect)}`);

  const hasPrincipal = value.Principal !== undefined;
  const hasNotPrincipal = value.NotPrincipal !== undefined;
  if (hasPrincipal && hasNotPrincipal) fail(at, 'a statement may have "Principal" or "NotPrincipal", not both');
  if (!hasPrincipal && !hasNotPrincipal) {
    fail(at, 'the statement has no "Principal" (or "NotPrincipal"); every key policy statement must name one');
  }
  const principalField = hasPrincipal ? 'Principal' : 'NotPrincipal';
  const principal = parsePrincipal(value[principalField], `${at}.${principalField}`);

  if (value.Action !== undefined && value.NotAction !== undefined) {
    fail(at, 'a statement may have "Action" or "NotAction", not both');
  }
  const actionField = value.NotAction !== undefined ? 'NotAction' : 'Action';
  const actions = value[actionField] === undefined ? undefined : actionList(value[actionField], `${at}.${actionField}`);

  if (value.Resource !== undefined && value.NotResource !== undefined) {
    fail(at, 'a statement may have "Resource" or "NotResource", not both');
  }
  const resourceField = value.NotResource !== undefined ? 'NotResource' : 'Resource';
  const resources =
    value[resourceField] === undefined ? undefined : stringList(value[resourceField], `${at}.${resourceField}`);

  return {
    label,
    effect,
    principal,
    notPrincipal: hasNotPrincipal,
    actions,
    notAction: actionField === 'NotAction' && actions !== undefined,
    hasResource: resources !== undefined,
    resources,
    notResource: resourceField === 'NotResource' && resources !== undefined,
    conditions: value.Condition === undefined ? [] : parseConditions(value.Condition, `${at}.Condition`),
  };
}

const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'] as const;
type PrincipalType = (typeof PRINCIPAL_TYPES)[number];
const isPrincipalType = (name: string): name is PrincipalType => (PRINCIPAL_TYPES as readonly string[]).includes(name);

function parsePrincipal(value: unknown, path: string): PrincipalBlock {
  if (value === '*') return { everyone: true, aws: [], service: [], federated: [], canonicalUser: [] };
  if (typeof value === 'string') {
    fail(path, `a principal given as a string must be "*"; name accounts as {"AWS": ${show(value)}}`);
  }
  if (!isObject(value)) {
    fail(path, `the principal must be "*" or an object such as {"AWS": [...]}, not ${typeName(value)}`);
  }
  // A Map, not an object: a type named "constructor" or "__proto__" must be refused, not found on a prototype.
  const lists = new Map<PrincipalType, readonly string[]>();
  for (const [type, names] of Object.entries(value)) {
    if (!isPrincipalType(type)) {
      fail(`${path}.${type}`, `unknown principal type ${show(type)}; expected one of ${PRINCIPAL_TYPES.join(', ')}`);
    }
    const list = stringList(names, `${path}.${type}`);
    if (type === 'Service' && list.some((name) => name.includes('*') || name.includes('?'))) {
      fail(
        `${path}.Service`,
        'a Service principal names one AWS service (such as ec2.amazonaws.com); wildcards are not allowed',
      );
    }
    lists.set(type, list);
  }
  if (lists.size === 0) fail(path, 'the principal names nobody; give at least one principal');
  const aws = lists.get('AWS') ?? [];
  const everyone = aws.includes('*');
  return {
    everyone,
    aws: unique(everyone ? aws.filter((p) => p !== '*') : aws),
    service: lists.get('Service') ?? [],
    federated: unique(lists.get('Federated') ?? []),
    canonicalUser: unique(lists.get('CanonicalUser') ?? []),
  };
}

/** A principal listed twice is one principal. */
function unique(list: readonly string[]): readonly string[] {
  if (list.length < 2) return list;
  if (list.length <= 16) {
    for (let i = 1; i < list.length; i++) if (list.indexOf(list[i] as string) < i) return [...new Set(list)];
    return list;
  }
  return [...new Set(list)];
}

function parseConditions(value: unknown, path: string): ConditionClause[] {
  if (!isObject(value)) fail(path, `"Condition" must be an object of operators, not ${typeName(value)}`);
  const clauses: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!isObject(block)) {
      fail(
        `${path}.${operator}`,
        `the operator ${show(operator)} must map condition keys to values, not ${typeName(block)}`,
      );
    }
    // Key names are case-insensitive: two spellings of one key under one operator are one key, its values ORed
    // (read as two ANDed keys, they could contradict each other and hide the statement).
    const byKey = new Map<string, string[]>();
    for (const [key, raw] of Object.entries(block)) {
      const values = conditionValues(raw, `${path}.${operator}.${key}`);
      const name = key.toLowerCase();
      byKey.set(name, [...(byKey.get(name) ?? []), ...values]);
    }
    for (const [key, values] of byKey) clauses.push({ operator, key, values });
  }
  return clauses;
}

function conditionValues(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    return fail(path, `condition values must be strings, numbers or booleans, not ${typeName(item)}`);
  });
}

/** IAM's action grammar: `*`, or `service:Action` where both parts may hold `*` and `?` wildcards. */
const ACTION_PATTERN = /^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+)$/;

function actionList(value: unknown, path: string): string[] {
  const list = stringList(value, path);
  for (const action of list) {
    if (!ACTION_PATTERN.test(action)) {
      fail(path, `${show(action)} is not an action; write "*" or service:Action, such as "kms:Decrypt" or "kms:*"`);
    }
  }
  return list;
}

function stringList(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) fail(path, `expected a string or a list of strings, not ${typeName(value)}`);
  if (value.length === 0) fail(path, 'the list is empty');
  for (const item of value) {
    if (typeof item !== 'string') fail(path, `expected a list of strings, but it holds ${typeName(item)}`);
  }
  return value as string[];
}

function fail(path: string, message: string): never {
  throw new SentinelError('invalid-policy', path === '' ? message : `${path}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${show(value)})`;
}

/** A short, one-line rendering of a value for a message; objects and lists are named, never serialized (they may nest deeply). */
function show(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function utf8Length(text: string): number {
  if (text.length * 3 <= MAX_POLICY_BYTES) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
