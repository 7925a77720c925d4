import { parseDocument, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';

/**
 * CloudFormation templates as CloudFormation reads them: every short-form tag (`!Ref`, `!Sub`, ...) becomes the
 * long form it stands for (`{ Ref: ... }`, `{ 'Fn::Sub': ... }`), on the node kinds CloudFormation takes it on. A tag
 * it does not know, or a known tag on the wrong kind of node, fails the parse.
 */

type Kind = 'scalar' | 'seq' | 'map';

/** Each short form, its long form, and the node kinds it may tag. */
const SHORT_FORMS: Readonly<Record<string, { long: string; kinds: readonly Kind[] }>> = {
  '!Ref': { long: 'Ref', kinds: ['scalar'] },
  '!Condition': { long: 'Condition', kinds: ['scalar'] },
  '!Sub': { long: 'Fn::Sub', kinds: ['scalar', 'seq'] },
  '!GetAtt': { long: 'Fn::GetAtt', kinds: ['scalar', 'seq'] },
  '!If': { long: 'Fn::If', kinds: ['seq'] },
  '!Equals': { long: 'Fn::Equals', kinds: ['seq'] },
  '!Not': { long: 'Fn::Not', kinds: ['seq'] },
  '!And': { long: 'Fn::And', kinds: ['seq'] },
  '!Or': { long: 'Fn::Or', kinds: ['seq'] },
  '!Join': { long: 'Fn::Join', kinds: ['seq'] },
  '!Select': { long: 'Fn::Select', kinds: ['seq'] },
  '!Split': { long: 'Fn::Split', kinds: ['seq'] },
  '!FindInMap': { long: 'Fn::FindInMap', kinds: ['seq'] },
  '!Cidr': { long: 'Fn::Cidr', kinds: ['seq'] },
  '!Base64': { long: 'Fn::Base64', kinds: ['scalar', 'map'] },
  '!ImportValue': { long: 'Fn::ImportValue', kinds: ['scalar', 'map'] },
  '!GetAZs': { long: 'Fn::GetAZs', kinds: ['scalar', 'map'] },
};

export const SHORT_FORM_TAGS = Object.keys(SHORT_FORMS);

const CUSTOM_TAGS: Tags = Object.entries(SHORT_FORMS).flatMap(([tag, { long, kinds }]) =>
  kinds.map((kind) =>
    kind === 'scalar'
      ? {
          tag,
          // !GetAtt Resource.Attribute is the list [Resource, Attribute], split at the first dot.
          resolve: (value: string) => {
            if (long !== 'Fn::GetAtt') return { [long]: value };
            const dot = value.indexOf('.');
            return { [long]: dot === -1 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
          },
        }
      : {
          tag,
          collection: kind,
          resolve: (node: YAMLSeq | YAMLMap) => ({ [long]: node.toJSON() }),
        },
  ),
);

/** Parses a template; any YAML error or warning (an unknown tag, a tag on the wrong node kind) throws. */
export function parseTemplate(text: string): Template {
  const doc = parseDocument(text, { customTags: CUSTOM_TAGS, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((p) => p.message);
  if (problems.length > 0) throw new Error(`not a template CloudFormation reads: ${problems.join('; ')}`);
  return doc.toJS() as Template;
}

export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, Parameter>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Condition?: string; Description?: string }>;
  [section: string]: unknown;
}

export interface Parameter {
  Type: string;
  Default?: string;
  AllowedValues?: string[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  NoEcho?: boolean;
  Description?: string;
  ConstraintDescription?: string;
}

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
];

/** A function call in long form: an object with one key, Ref, Condition or Fn::*. */
export function intrinsic(node: unknown): [name: string, args: unknown] | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined) return undefined;
  if (name !== 'Ref' && name !== 'Condition' && !name.startsWith('Fn::')) return undefined;
  return [name, (node as Record<string, unknown>)[name]];
}

/** The `${...}` names a Fn::Sub string refers to (`${!Literal}` is no reference). */
export function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] ?? '').filter((name) => !name.startsWith('!'));
}

/** Every node of a tree, depth first, with its path. */
export function* walk(node: unknown, path = ''): Generator<[path: string, node: unknown]> {
  yield [path, node];
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${path}[${i}]`);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) yield* walk(value, `${path}.${key}`);
  }
}

/** What the pseudo parameters stand for unless a test says otherwise. */
const PSEUDO_VALUES: Readonly<Record<string, string>> = {
  'AWS::AccountId': '111111111111',
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::StackId': 'arn:aws:cloudformation:us-east-1:111111111111:stack/test/00000000-0000-0000-0000-000000000000',
  'AWS::StackName': 'test',
  'AWS::URLSuffix': 'amazonaws.com',
};

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * What CloudFormation would make of the template's resources and outputs for these parameter values (defaults
 * for the rest): conditions are decided, `Fn::If` chosen, `AWS::NoValue` removed, `Ref` and `Fn::Sub` filled in
 * (a resource's Ref and Fn::GetAtt stand as `<Resource>` and `<Resource.Attribute>`). Functions the templates do not
 * use are refused rather than guessed at.
 */
export function evaluate(
  template: Template,
  parameters: Readonly<Record<string, string>> = {},
  pseudoValues: Readonly<Record<string, string>> = {},
): { resources: Template['Resources']; outputs: Record<string, unknown> } {
  const pseudo: Record<string, string> = { ...PSEUDO_VALUES, ...pseudoValues };
  const values = new Map<string, string>();
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    const value = parameters[name] ?? p.Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value and no default`);
    values.set(name, value);
  }
  for (const name of Object.keys(parameters)) {
    if (!values.has(name)) throw new Error(`the template has no parameter ${name}`);
  }
  const lookup = (name: string): string | typeof NO_VALUE => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    const value = values.get(name) ?? pseudo[name];
    if (value !== undefined) return value;
    if (template.Resources[name] !== undefined) return `<${name}>`;
    const [resource] = name.split('.');
    if (resource !== undefined && template.Resources[resource] !== undefined) return `<${name}>`;
    throw new Error(`unknown reference ${name}`);
  };

  const decided = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    const known = decided.get(name);
    if (known !== undefined) return known;
    const definition = template.Conditions?.[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    const result = truth(definition);
    decided.set(name, result);
    return result;
  };
  const truth = (node: unknown): boolean => {
    const call = intrinsic(node);
    if (call === undefined) throw new Error(`not a condition: ${JSON.stringify(node)}`);
    const [name, args] = call;
    const list = Array.isArray(args) ? args : [];
    switch (name) {
      case 'Condition':
        return condition(String(args));
      case 'Fn::Equals':
        return value(list[0]) === value(list[1]);
      case 'Fn::Not':
        return !truth(list[0]);
      case 'Fn::And':
        return list.every(truth);
      case 'Fn::Or':
        return list.some(truth);
      default:
        throw new Error(`${name} is not a condition function`);
    }
  };

  const value = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(value).filter((v) => v !== NO_VALUE);
    const call = intrinsic(node);
    if (call !== undefined) {
      const [name, args] = call;
      switch (name) {
        case 'Ref':
          return lookup(String(args));
        case 'Fn::GetAtt':
          return `<${(args as string[]).join('.')}>`;
        case 'Fn::If': {
          const [test, then, otherwise] = args as [string, unknown, unknown];
          return value(condition(test) ? then : otherwise);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(args)
            ? (args as [string, Record<string, unknown>])
            : [args as string, {} as Record<string, unknown>];
          return text.replace(/\$\{([^}]*)\}/g, (whole, ref: string) => {
            if (ref.startsWith('!')) return `\${${ref.slice(1)}}`;
            const v = Object.hasOwn(vars, ref) ? value(vars[ref]) : lookup(ref);
            if (typeof v !== 'string') throw new Error(`${whole} is not a string`);
            return v;
          });
        }
        default:
          throw new Error(`${name} is not evaluated here`);
      }
    }
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(
        Object.entries(node)
          .map(([k, v]) => [k, value(v)] as const)
          .filter(([, v]) => v !== NO_VALUE),
      );
    }
    return node;
  };

  const resources: Template['Resources'] = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Condition === undefined || condition(r.Condition)) resources[id] = value(r) as Template['Resources'][string];
  }
  const outputs: Record<string, unknown> = {};
  for (const [id, o] of Object.entries(template.Outputs ?? {})) {
    if (o.Condition === undefined || condition(o.Condition)) outputs[id] = value(o.Value);
  }
  return { resources, outputs };
}
