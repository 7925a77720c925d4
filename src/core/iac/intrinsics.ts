import { conditionRefs, decide, defaultsNotAssumed } from './cloudformation-conditions.js';
import { defineKey, isRecord, record } from './json-values.js';
import { type IacContext, KEY_OWN_ACCOUNT } from './types.js';

export type Path = readonly (string | number)[];

/** A value of the template, where it sits, and whether CloudFormation functions in it are still to be applied. */
export interface Located {
  readonly value: unknown;
  readonly path: Path;
  /** A function's result or a policy read from a JSON string: nothing in it is a function call. */
  readonly literal: boolean;
}

/** A value that cannot be known before the stack deploys (or without more input): why, what would make it known. */
export interface Unresolved {
  readonly kind: 'unresolved';
  readonly reason: string;
  readonly fix: string;
  /** Where in the evaluated value the problem sits (set by `evaluate`). */
  readonly path?: Path;
  readonly expression?: unknown;
}

/** One value with the functions at its top applied: a value, nothing (`AWS::NoValue`), an undecided `Fn::If`, or unknown. */
export type Step =
  | { readonly kind: 'value'; readonly at: Located }
  | { readonly kind: 'none' }
  | { readonly kind: 'choice'; readonly condition: string; readonly options: readonly Located[] }
  | Unresolved;

export type Evaluated = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'none' } | Unresolved;

export interface Scope {
  readonly template: Readonly<Record<string, unknown>>;
  readonly context: IacContext;
  /** Conditions decided so far: true, false, or undefined when the parameters given do not decide them. */
  readonly decided: Map<string, boolean | undefined>;
  /** Parameters whose Default was not assumed: it alone decided a condition their AllowedValues could turn. */
  readonly defaultsSetAside: Set<string>;
}

export function scopeOf(template: Readonly<Record<string, unknown>>, context: IacContext): Scope {
  return { template, context, decided: new Map(), defaultsSetAside: new Set() };
}

const MAX_DEPTH = 64;
const WRITE_IT =
  'write the value (an account ID or ARN) in the template, or take it as a parameter so --parameter can give it';

export function unresolved(reason: string, fix: string = WRITE_IT): Unresolved {
  return { kind: 'unresolved', reason, fix };
}

/** `{"Ref": ...}` or `{"Fn::...": ...}`: one key naming a function. */
export function functionCall(value: unknown): { readonly name: string; readonly args: unknown } | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined || !(name === 'Ref' || name.startsWith('Fn::'))) return undefined;
  return { name, args: value[name] };
}

/** Applies the functions at the top of a value until a plain value (or a function's result) is left. */
export function step(scope: Scope, at: Located): Step {
  let current = at;
  for (let hops = 0; hops <= MAX_DEPTH; hops++) {
    const call = current.literal ? undefined : functionCall(current.value);
    if (call === undefined) return { kind: 'value', at: current };
    const next = apply(scope, call.name, call.args, current);
    if (next.kind === 'unresolved') return { kind: 'unresolved', reason: next.reason, fix: next.fix };
    if (next.kind !== 'value') return next;
    current = next.at;
  }
  return unresolved(`functions nest more than ${MAX_DEPTH} deep`, 'simplify the template');
}

/** The whole value with every function applied, `AWS::NoValue` left out; the first problem found, with its place. */
export function evaluate(scope: Scope, at: Located, depth = 0): Evaluated {
  if (depth > MAX_DEPTH) return { ...unresolved(`nested more than ${MAX_DEPTH} deep`), path: at.path };
  const s = step(scope, at);
  if (s.kind === 'unresolved') return { ...s, path: at.path, expression: at.value };
  if (s.kind === 'choice') return { ...undecided(scope, s.condition), path: at.path, expression: at.value };
  if (s.kind === 'none') return s;
  const { value, path, literal } = s.at;
  if (literal || typeof value !== 'object' || value === null) return { kind: 'value', value };
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const e = evaluate(scope, { value: item, path: [...path, i], literal }, depth + 1);
      if (e.kind === 'unresolved') return e;
      if (e.kind === 'value') items.push(e.value);
    }
    return { kind: 'value', value: items };
  }
  const object: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const e = evaluate(scope, { value: item, path: [...path, key], literal }, depth + 1);
    if (e.kind === 'unresolved') return e;
    if (e.kind === 'value') defineKey(object, key, e.value);
  }
  return { kind: 'value', value: object };
}

/** Why an undecided condition leaves a value unknown, and which parameters would decide it. */
export function undecided(scope: Scope, condition: string): Unresolved {
  const names = conditionRefs(scope, condition);
  return unresolved(
    `condition ${condition} cannot be decided from the parameters given${defaultsNotAssumed(scope, names)}`,
    names.length === 0
      ? `check condition ${condition} in the template`
      : `give ${names.map((n) => `--parameter ${n}=VALUE`).join(' ')}`,
  );
}

function apply(scope: Scope, name: string, args: unknown, at: Located): Step {
  const inner = (path: Path, value: unknown): Located => ({ value, path: [...at.path, name, ...path], literal: false });
  const result = (value: unknown): Step => ({ kind: 'value', at: { value, path: at.path, literal: true } });
  switch (name) {
    case 'Ref':
      return typeof args === 'string' ? ref(scope, args, result) : malformed(name, 'a name');
    case 'Fn::Sub':
      return sub(scope, args, inner, result);
    case 'Fn::Join': {
      if (!Array.isArray(args) || args.length !== 2) return malformed(name, '[delimiter, [values]]');
      const given = evaluate(scope, inner([0], args[0]));
      const delimiter = text(given);
      const list = evaluate(scope, inner([1], args[1]));
      if (typeof delimiter !== 'string') return asProblem(given, name, 'a delimiter string');
      if (list.kind !== 'value' || !Array.isArray(list.value)) return asProblem(list, name, 'a list of values');
      const parts = list.value.map((v) => text({ kind: 'value', value: v }));
      if (!parts.every((p) => typeof p === 'string')) return malformed(name, 'a list of strings');
      return result(parts.join(delimiter));
    }
    case 'Fn::If': {
      if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string') {
        return malformed(name, '[condition, value if true, value if false]');
      }
      const condition = args[0];
      const decision = decide(scope, condition, evaluate);
      const branches = [inner([1], args[1]), inner([2], args[2])];
      if (decision === undefined) return { kind: 'choice', condition, options: branches };
      return { kind: 'value', at: decision ? branches[0] : branches[1] } as Step;
    }
    case 'Fn::Select': {
      if (!Array.isArray(args) || args.length !== 2) return malformed(name, '[index, [values]]');
      const given = evaluate(scope, inner([0], args[0]));
      if (given.kind === 'unresolved') return given;
      const index = Number(text(given));
      const list = step(scope, inner([1], args[1]));
      if (list.kind === 'choice') return undecided(scope, list.condition);
      if (list.kind !== 'value' || !Array.isArray(list.at.value)) return asProblem(list, name, 'a list of values');
      if (!Number.isInteger(index) || index < 0 || index >= list.at.value.length) {
        return malformed(name, `an index within the list's ${list.at.value.length} values`);
      }
      return { kind: 'value', at: { ...list.at, value: list.at.value[index], path: [...list.at.path, index] } };
    }
    case 'Fn::Split': {
      if (!Array.isArray(args) || args.length !== 2) return malformed(name, '[delimiter, string]');
      const given = evaluate(scope, inner([0], args[0]));
      const delimiter = text(given);
      const source = evaluate(scope, inner([1], args[1]));
      const whole = text(source);
      if (typeof delimiter !== 'string' || delimiter === '') return asProblem(given, name, 'a delimiter string');
      return typeof whole === 'string' ? result(whole.split(delimiter)) : asProblem(source, name, 'a string');
    }
    case 'Fn::FindInMap':
      return findInMap(scope, args, inner, result);
    case 'Fn::GetAtt': {
      const target = Array.isArray(args) ? args.join('.') : String(args);
      return unresolved(`Fn::GetAtt ${target} is an attribute of a resource, known only once the stack is deployed`);
    }
    case 'Fn::ImportValue':
      return unresolved('Fn::ImportValue is an output of another stack, known only when this stack deploys');
    case 'Fn::GetAZs':
      return unresolved("Fn::GetAZs depends on the deploying region's Availability Zones");
    case 'Fn::ToJsonString': {
      const value = evaluate(scope, inner([], args)); // AWS::LanguageExtensions: the value as a JSON string
      return value.kind === 'value' ? result(JSON.stringify(value.value)) : asProblem(value, name, 'a value');
    }
    case 'Fn::Transform':
      return unresolved('Fn::Transform runs a macro when the stack deploys');
    default:
      return unresolved(`${name} is not resolved before deployment by check-iac`);
  }
}

const PSEUDO: ReadonlyMap<string, (context: IacContext) => string> = new Map([
  ['AWS::AccountId', (c: IacContext) => c.account ?? KEY_OWN_ACCOUNT],
  ['AWS::Partition', () => 'aws'],
  ['AWS::URLSuffix', () => 'amazonaws.com'],
]);
const DEPLOY_TIME = new Set(['AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::NotificationARNs']);

/** `Ref`: a pseudo parameter, a parameter (--parameter, else its Default), or a resource (known only once deployed). */
function ref(scope: Scope, name: string, result: (value: unknown) => Step): Step {
  const pseudo = PSEUDO.get(name);
  if (pseudo !== undefined) return result(pseudo(scope.context));
  if (name === 'AWS::NoValue') return { kind: 'none' };
  if (DEPLOY_TIME.has(name)) {
    return unresolved(`${name} is known only when the stack is deployed`, `write the value itself in place of ${name}`);
  }
  const parameters = record(scope.template.Parameters);
  const declared = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
  const given = scope.context.parameters.get(name);
  if (isRecord(declared) || given !== undefined) {
    const type = isRecord(declared) && typeof declared.Type === 'string' ? declared.Type : 'String';
    const value = given ?? defaultOf(isRecord(declared) ? declared.Default : undefined);
    if (value === undefined || (given === undefined && type.startsWith('AWS::SSM::Parameter::Value<'))) {
      const why = value === undefined ? 'has no value and no Default' : `(${type}) is read from Systems Manager`;
      return unresolved(`parameter ${name} ${why}`, `give it with --parameter ${name}=VALUE`);
    }
    // A list parameter's value is comma-delimited; CloudFormation trims each member.
    const list = type === 'CommaDelimitedList' || /^(List<|AWS::SSM::Parameter::Value<List<)/.test(type);
    return result(list ? value.split(',').map((v) => v.trim()) : value);
  }
  if (Object.hasOwn(record(scope.template.Resources), name)) {
    return unresolved(`${name} is a resource of this template: its ID is known only once the stack is deployed`);
  }
  return unresolved(`${name} is neither a parameter nor a resource of this template`, `correct the name ${name}`);
}

function defaultOf(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  return undefined;
}

type Inner = (path: Path, value: unknown) => Located;

/** `Fn::Sub`: `${Name}` from its own variables, then as `Ref` would; `${Res.Attr}` as `Fn::GetAtt`; `${!x}` is `${x}`. */
function sub(scope: Scope, args: unknown, inner: Inner, result: (value: unknown) => Step): Step {
  const [template, variables, base] =
    typeof args === 'string'
      ? [args, {}, []]
      : Array.isArray(args) && args.length === 2 && typeof args[0] === 'string' && isRecord(args[1])
        ? [args[0], args[1], [0]]
        : [undefined, {}, []];
  if (template === undefined) return malformed('Fn::Sub', 'a string, or [string, {variables}]');
  let problem: Unresolved | undefined;
  const out = template.replace(/\$\{([^}]*)\}/g, (whole, body: string) => {
    if (body.startsWith('!')) return `\${${body.slice(1)}}`;
    if (problem !== undefined) return whole;
    const name = body.trim();
    let value: Evaluated;
    if (Object.hasOwn(variables, name)) value = evaluate(scope, inner([1, name], variables[name]));
    else if (name.includes('.')) value = apply(scope, 'Fn::GetAtt', name, inner(base, name)) as Unresolved;
    else value = evaluate(scope, { value: { Ref: name }, path: inner(base, name).path, literal: false });
    const replaced = text(value);
    if (typeof replaced === 'string') return replaced;
    problem = value.kind === 'unresolved' ? value : malformed('Fn::Sub', `a string for \${${name}}`);
    return whole;
  });
  return problem === undefined ? result(out) : unresolved(problem.reason, problem.fix);
}

function findInMap(scope: Scope, args: unknown, inner: Inner, result: (value: unknown) => Step): Step {
  if (!Array.isArray(args) || args.length < 3 || args.length > 4) {
    return malformed('Fn::FindInMap', '[map, top-level key, second-level key]');
  }
  const names: string[] = [];
  for (const [i, arg] of args.slice(0, 3).entries()) {
    const e = evaluate(scope, inner([i], arg));
    const name = text(e);
    if (typeof name !== 'string') return asProblem(e, 'Fn::FindInMap', 'names');
    names.push(name);
  }
  if (scope.context.account === undefined && names.includes(KEY_OWN_ACCOUNT)) {
    return unresolved(
      'the Mappings key is the deploying account (AWS::AccountId)',
      'give the account with --account ID',
    );
  }
  const [map = '', top = '', second = ''] = names;
  const entry = record(record(record(scope.template.Mappings)[map])[top]);
  if (Object.hasOwn(entry, second)) return result(entry[second]);
  const fallback = args[3];
  if (isRecord(fallback) && Object.hasOwn(fallback, 'DefaultValue')) {
    return { kind: 'value', at: inner([3, 'DefaultValue'], fallback.DefaultValue) };
  }
  return unresolved(`Mappings has no ${map}.${top}.${second}`, 'correct the names, or add the entry to Mappings');
}

/** A scalar as CloudFormation would write it into a string; undefined when the value is not one. */
function text(e: Evaluated): string | undefined {
  if (e.kind !== 'value') return undefined;
  const v = e.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function asProblem(e: Evaluated | Step, name: string, wanted: string): Unresolved {
  return e.kind === 'unresolved' ? unresolved(e.reason, e.fix) : malformed(name, wanted);
}

function malformed(name: string, wanted: string): Unresolved {
  return unresolved(
    `${name} here is malformed: it takes ${wanted}`,
    'correct the template (CloudFormation would refuse it)',
  );
}
