import type { Evaluated, Located, Scope } from './intrinsics.js';
import { isRecord, record } from './json-values.js';
import { KEY_OWN_ACCOUNT } from './types.js';

type Evaluate = (scope: Scope, at: Located) => Evaluated;

/**
 * A template's condition, decided as CloudFormation would from the parameters known here (`--parameter`, else
 * defaults): true, false, or undefined when what it compares cannot be known before deployment. A condition that
 * names itself, directly or not, is undefined too (CloudFormation refuses it). A Default is not assumed when the
 * parameter's AllowedValues offer a value that would decide the condition otherwise: whoever deploys the stack
 * chooses, so the condition is undefined unless `--parameter` says (the parameter is then in `defaultsSetAside`).
 */
export function decide(scope: Scope, name: string, evaluate: Evaluate): boolean | undefined {
  if (scope.decided.has(name)) return scope.decided.get(name);
  scope.decided.set(name, undefined);
  const conditions = scope.template.Conditions;
  const expression = isRecord(conditions) && Object.hasOwn(conditions, name) ? conditions[name] : undefined;
  let result = truth(scope, { value: expression, path: ['Conditions', name], literal: false }, evaluate);
  const open = result === undefined ? [] : choosable(scope, name);
  if (open.length > 0 && turns(scope, name, evaluate, open, result)) {
    for (const parameter of open) scope.defaultsSetAside.add(parameter.name);
    result = undefined;
  }
  scope.decided.set(name, result);
  return result;
}

/** Why a condition reading these parameters is undecided, when a Default was set aside; else nothing. */
export function defaultsNotAssumed(scope: Scope, parameters: readonly string[]): string {
  const setAside = parameters.filter((n) => scope.defaultsSetAside.has(n));
  if (setAside.length === 0) return '';
  return ` (the Default of ${setAside.join(', ')} is not assumed: its AllowedValues let the stack be deployed with a value that decides it the other way)`;
}

/** The parameters a condition reads that `--parameter` does not give and whose AllowedValues offer a choice. */
function choosable(scope: Scope, condition: string): { name: string; values: string[] }[] {
  const parameters = record(scope.template.Parameters);
  return conditionRefs(scope, condition).flatMap((name) => {
    const declared = parameters[name];
    if (scope.context.parameters.has(name) || !isRecord(declared) || !Array.isArray(declared.AllowedValues)) return [];
    const values = [...new Set(declared.AllowedValues.map((v) => String(v)))];
    return values.length > 1 ? [{ name, values }] : [];
  });
}

/** Beyond this many combinations of allowed values, a condition is taken as one they could turn. */
const MAX_COMBINATIONS = 256;

/** Whether some combination of the allowed values decides the condition otherwise than the defaults do. */
function turns(
  scope: Scope,
  condition: string,
  evaluate: Evaluate,
  open: readonly { name: string; values: string[] }[],
  result: boolean | undefined,
): boolean {
  let combinations: Map<string, string>[] = [new Map()];
  for (const { name, values } of open) {
    combinations = combinations.flatMap((c) => values.map((v) => new Map(c).set(name, v)));
    if (combinations.length > MAX_COMBINATIONS) return true;
  }
  return combinations.some((combination) => {
    const parameters = new Map([...scope.context.parameters, ...combination]);
    const context = { ...scope.context, parameters };
    const trial: Scope = { ...scope, context, decided: new Map(), defaultsSetAside: new Set() };
    return decide(trial, condition, evaluate) !== result;
  });
}

function truth(scope: Scope, at: Located, evaluate: Evaluate): boolean | undefined {
  if (!isRecord(at.value)) return undefined;
  const [name, ...rest] = Object.keys(at.value);
  if (name === undefined || rest.length > 0) return undefined;
  const args = at.value[name];
  const inner = (i: number): Located => ({
    value: Array.isArray(args) ? args[i] : undefined,
    path: [...at.path, name, i],
    literal: false,
  });
  const each = () => (Array.isArray(args) ? args.map((_, i) => truth(scope, inner(i), evaluate)) : [undefined]);
  switch (name) {
    case 'Condition':
      return typeof args === 'string' ? decide(scope, args, evaluate) : undefined;
    case 'Fn::Equals': {
      if (!Array.isArray(args) || args.length !== 2) return undefined;
      const [a, b] = [evaluate(scope, inner(0)), evaluate(scope, inner(1))];
      if (a.kind !== 'value' || b.kind !== 'value') return undefined;
      // Without --account, the deploying account is a stand-in: comparing it decides nothing.
      const unknownAccount = (v: unknown) =>
        scope.context.account === undefined && JSON.stringify(v).includes(KEY_OWN_ACCOUNT);
      if (unknownAccount(a.value) || unknownAccount(b.value)) return undefined;
      return same(a.value, b.value);
    }
    case 'Fn::Not': {
      const [only] = each();
      return only === undefined ? undefined : !only;
    }
    case 'Fn::And': {
      const values = each();
      return values.includes(false) ? false : values.includes(undefined) ? undefined : true;
    }
    case 'Fn::Or': {
      const values = each();
      return values.includes(true) ? true : values.includes(undefined) ? undefined : false;
    }
    default:
      return undefined;
  }
}

/** CloudFormation compares the values as strings: `!Equals [!Ref Count, 2]` holds for the parameter value "2". */
function same(a: unknown, b: unknown): boolean {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return scalar(a) && scalar(b) ? String(a) === String(b) : JSON.stringify(a) === JSON.stringify(b);
}

/** The parameters a condition depends on, directly or through the conditions it names: what would decide it. */
export function conditionRefs(scope: Scope, name: string): string[] {
  const parameters = scope.template.Parameters;
  const conditions = scope.template.Conditions;
  const found = new Set<string>();
  const seen = new Set<string>();
  const pending: unknown[] = [];
  const visitCondition = (n: string) => {
    if (seen.has(n) || !isRecord(conditions) || !Object.hasOwn(conditions, n)) return;
    seen.add(n);
    pending.push(conditions[n]);
  };
  visitCondition(name);
  for (let value = pending.pop(); value !== undefined || pending.length > 0; value = pending.pop()) {
    if (Array.isArray(value)) pending.push(...value);
    else if (isRecord(value)) {
      if (typeof value.Ref === 'string' && isRecord(parameters) && Object.hasOwn(parameters, value.Ref)) {
        found.add(value.Ref);
      }
      // `!Sub '${Env}'` reads the parameter as a Ref does.
      const sub = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
      for (const [, name = ''] of typeof sub === 'string' ? sub.matchAll(/\$\{([^}!.]*)\}/g) : []) {
        if (isRecord(parameters) && Object.hasOwn(parameters, name.trim())) found.add(name.trim());
      }
      if (typeof value.Condition === 'string') visitCondition(value.Condition);
      pending.push(...Object.values(value));
    }
  }
  return [...found];
}
