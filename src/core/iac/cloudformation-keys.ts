import { decide } from './cloudformation-conditions.js';
import { templateResources } from './cloudformation-foreach.js';
import { keyOf } from './cloudformation-key-policy.js';
import { show } from './cloudformation-walk.js';
import { evaluate, type Path, scopeOf } from './intrinsics.js';
import { defineKey, isRecord, record } from './json-values.js';
import type { IacContext, IacKey, IacNotice, TemplateDocument } from './types.js';

const KEY_TYPES: ReadonlySet<unknown> = new Set(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey']);

/**
 * Transforms whose effect on the keys is known here: AWS::LanguageExtensions is applied as CloudFormation applies it
 * (Fn::ForEach expanded, Fn::ToJsonString, Fn::FindInMap's DefaultValue); SAM makes functions, APIs, tables and their
 * roles from AWS::Serverless:: resources, never a KMS key. Any other (a macro) may rewrite the template.
 */
const KNOWN_TRANSFORMS: ReadonlySet<unknown> = new Set(['AWS::LanguageExtensions', 'AWS::Serverless-2016-10-31']);

/** What a template holds for check-iac: its keys, notices about the whole template, and what stops it being checked. */
export interface CloudFormationCheck {
  readonly keys: IacKey[];
  /** A macro it runs, a loop or an include whose resources cannot be known: keys among them are not judged. */
  readonly notices: IacNotice[];
  /** A `--parameter` value the template does not allow, a loop that cannot be expanded and may make a key. */
  readonly errors: { readonly code: string; readonly message: string; readonly line: number | undefined }[];
}

/**
 * Every KMS key a CloudFormation template declares (`AWS::KMS::Key`, `AWS::KMS::ReplicaKey`), keys made by
 * `Fn::ForEach` loops included, its KeyPolicy resolved (see resolvePolicy) for a stack deployed to `context.account`
 * with `context.parameters`. A key whose resource condition is decided false is not created, so it is not listed.
 */
export function cloudFormationKeys(doc: TemplateDocument, context: IacContext): IacKey[] {
  return checkCloudFormation(doc, context).keys;
}

export function checkCloudFormation(doc: TemplateDocument, context: IacContext): CloudFormationCheck {
  const root = doc.root;
  const result: CloudFormationCheck = { keys: [], notices: [], errors: [] };
  if (!isRecord(root) || !isRecord(root.Resources)) return result;
  result.errors.push(...parameterErrors(doc, root, context));
  if (result.errors.length > 0) return result;
  const line = (path: Path) => nearestLine(doc, path);
  result.notices.push(...transformNotices(root.Transform, line(['Transform'])));
  const { resources, problems } = templateResources(root.Resources, scopeOf(root, context));
  for (const problem of problems) {
    if (problem.mayDeclareKey) {
      result.errors.push({ code: 'unexpandable-loop', message: problem.message, line: line(problem.path) });
      continue;
    }
    const code = (problem.path[1] ?? '') === 'Fn::Transform' ? 'transform' : 'unresolvable';
    result.notices.push({ code, at: undefined, message: problem.message, line: line(problem.path), unjudged: true });
  }
  // The template as CloudFormation deploys it: a `Ref` to a resource a loop makes is a resource, not a parameter.
  const expanded: Record<string, unknown> = {};
  for (const resource of resources) defineKey(expanded, resource.id, resource.value);
  const scope = scopeOf({ ...root, Resources: expanded }, context);
  for (const resource of resources) {
    const value = resource.value;
    if (!isRecord(value) || !KEY_TYPES.has(value.Type)) continue;
    if (typeof value.Condition === 'string' && decide(scope, value.Condition, evaluate) === false) continue;
    result.keys.push(keyOf(doc, scope, resource, String(value.Type)));
  }
  return result;
}

/** A transform the template names, other than those read here, may change any key: the keys are judged as written. */
function transformNotices(transform: unknown, line: number | undefined): IacNotice[] {
  const names = transform === undefined ? [] : Array.isArray(transform) ? transform : [transform];
  return names
    .filter((name) => typeof name !== 'string' || !KNOWN_TRANSFORMS.has(name))
    .map((name) => ({
      code: 'transform',
      at: undefined,
      message: `Transform ${typeof name === 'string' ? name : show(name)}: CloudFormation runs this macro on the template before it deploys, and a macro can add, change or remove anything, KMS keys and their policies included. The keys are judged as the template is written; to judge what deploys, check the processed template (aws cloudformation get-template --template-stage Processed, or the change set's template)`,
      line,
      unjudged: true,
    }));
}

/** A `--parameter` value outside the parameter's AllowedValues: CloudFormation would refuse the stack. */
function parameterErrors(doc: TemplateDocument, root: Record<string, unknown>, context: IacContext) {
  const declared = record(root.Parameters);
  const errors: CloudFormationCheck['errors'] = [];
  for (const [name, value] of context.parameters) {
    const parameter = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (!isRecord(parameter) || !Array.isArray(parameter.AllowedValues)) continue;
    const allowed = parameter.AllowedValues.map((v) => String(v));
    const type = typeof parameter.Type === 'string' ? parameter.Type : 'String';
    const list = type === 'CommaDelimitedList' || type.startsWith('List<');
    const outside = (list ? value.split(',').map((v) => v.trim()) : [value]).filter((v) => !allowed.includes(v));
    if (outside.length === 0) continue;
    errors.push({
      code: 'parameter-not-allowed',
      message: `--parameter ${name}=${value}: ${outside.map((v) => JSON.stringify(v)).join(', ')} is not among the values parameter ${name} allows (AllowedValues: ${allowed.map((v) => JSON.stringify(v)).join(', ')}), so CloudFormation would refuse the stack`,
      line: nearestLine(doc, ['Parameters', name, 'AllowedValues']),
    });
  }
  return errors;
}

/** The line of a value, or of the closest enclosing value whose line is known. */
function nearestLine(doc: TemplateDocument, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const line = doc.lineOf(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}
