import { show } from './cloudformation-walk.js';
import { evaluate, type Path, type Scope } from './intrinsics.js';
import { defineKey, isRecord } from './json-values.js';

/** A resource as CloudFormation sees it once `Fn::ForEach` loops are expanded: its logical ID, value and place. */
export interface TemplateResource {
  readonly id: string;
  readonly value: unknown;
  /** Where it is written in the file: inside its loop when a loop makes it (`Resources.Fn::ForEach::Keys[2].${Name}Key`). */
  readonly path: Path;
}

/** Something under Resources that makes resources this reading cannot know: what, where, and if it may make a key. */
export interface ResourcesProblem {
  readonly path: Path;
  readonly message: string;
  /** Its text names a KMS resource type: a key may be among what it makes. */
  readonly mayDeclareKey: boolean;
}

const LOOP = 'Fn::ForEach::';
/** CloudFormation takes 500 resources in a template; loops making far more are not a template it would deploy. */
const MAX_MADE = 10_000;

/**
 * The resources of a template, `Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` loops
 * (AWS::LanguageExtensions) expanded as CloudFormation expands them: once per item of the collection, `${Identifier}`
 * and `&{Identifier}` (the item without its non-alphanumeric characters) replaced in keys and strings and
 * `{"Ref": Identifier}` replaced by the item, loops inside loops included. A loop whose collection cannot be resolved
 * here, and an `Fn::Transform` under Resources (AWS::Include, a macro), are problems: what they make is unknown.
 */
export function templateResources(
  resources: Readonly<Record<string, unknown>>,
  scope: Scope,
): { resources: TemplateResource[]; problems: ResourcesProblem[] } {
  const out = { resources: [] as TemplateResource[], problems: [] as ResourcesProblem[] };
  for (const [name, value] of Object.entries(resources)) {
    const path = ['Resources', name];
    if (name.startsWith(LOOP)) expand(scope, name, value, path, new Map(), out);
    else if (name === 'Fn::Transform') {
      out.problems.push({
        path,
        message: `Resources holds Fn::Transform ${show(value)}: CloudFormation runs it (AWS::Include, or a macro) when the stack deploys, and the resources it adds cannot be known here, so no key among them is judged`,
        mayDeclareKey: mentionsKey(value),
      });
    } else out.resources.push({ id: name, value, path });
  }
  return out;
}

type Out = { resources: TemplateResource[]; problems: ResourcesProblem[] };

function expand(scope: Scope, name: string, args: unknown, path: Path, bindings: Map<string, string>, out: Out): void {
  const unknown = (why: string) => {
    const keys = ' (its text names an AWS::KMS:: type: a key may be among them)';
    out.problems.push({
      path,
      message: `${name} ${why}, so the resources it makes cannot be known here and none of them is judged${mentionsKey(args) ? keys : ''}`,
      mayDeclareKey: mentionsKey(args),
    });
  };
  if (!Array.isArray(args) || args.length !== 3 || typeof args[0] !== 'string' || !isRecord(args[2])) {
    unknown('is malformed: it takes [Identifier, Collection, {OutputKey: OutputValue}]');
    return;
  }
  const [identifier, collection, fragment] = args as [string, unknown, Record<string, unknown>];
  const items = evaluate(scope, { value: substitute(collection, bindings), path: [...path, 1], literal: false });
  if (items.kind === 'unresolved') {
    unknown(
      `loops over ${show(collection)}, which could not be resolved (${items.reason}): write the list in the template, or take it from a parameter that --parameter NAME=A,B can give`,
    );
    return;
  }
  const list = items.kind === 'value' ? items.value : [];
  if (!Array.isArray(list) || !list.every((i) => typeof i === 'string' || typeof i === 'number')) {
    unknown(`loops over ${show(collection)}, which is not a list of strings`);
    return;
  }
  for (const item of list) {
    const inner = new Map(bindings).set(identifier, String(item));
    for (const [key, value] of Object.entries(fragment)) {
      const at = [...path, 2, key];
      if (key.startsWith(LOOP)) expand(scope, key, value, at, inner, out);
      else out.resources.push({ id: substitute(key, inner) as string, value: substitute(value, inner), path: at });
      if (out.resources.length > MAX_MADE) {
        unknown(`makes more than ${MAX_MADE} resources`);
        return;
      }
    }
  }
}

/** The loop's identifiers replaced by their values, as the AWS::LanguageExtensions transform does. */
function substitute(value: unknown, bindings: ReadonlyMap<string, string>): unknown {
  if (bindings.size === 0) return value;
  if (typeof value === 'string') {
    return value.replace(/([$&])\{([^}]*)\}/g, (whole, sign: string, name: string) => {
      const bound = bindings.get(name);
      if (bound === undefined) return whole;
      return sign === '&' ? bound.replace(/[^A-Za-z0-9]/g, '') : bound;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, bindings));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && typeof value.Ref === 'string' && bindings.has(value.Ref)) return bindings.get(value.Ref);
  const object: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    defineKey(object, substitute(key, bindings) as string, substitute(item, bindings));
  return object;
}

function mentionsKey(value: unknown): boolean {
  return (JSON.stringify(value) ?? '').includes('AWS::KMS::');
}
