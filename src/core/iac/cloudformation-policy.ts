import {
  childOf,
  leftOut,
  listItems,
  note,
  type PolicyWalk,
  renderPath,
  resolveList,
  show,
} from './cloudformation-walk.js';
import { evaluate, type Located, step, type Unresolved, undecided } from './intrinsics.js';
import { defineKey, isRecord } from './json-values.js';

export interface ResolvedPolicy {
  /** Undefined when nothing could be judged (the notices say why). */
  readonly policy: Record<string, unknown> | undefined;
  readonly statementLines: (number | undefined)[];
}

/**
 * A key policy with CloudFormation's functions applied. Nothing unknown is guessed: an unresolvable principal is left
 * out (neither trusted nor reported), a statement that cannot be judged without it is left out, an Allow's
 * unresolvable condition is dropped (it narrows nothing), an unreadable Deny is not relied on; each said in a notice.
 * Where `Fn::If` cannot be decided, an Allow's principals, actions and resources take both branches.
 */
export function resolvePolicy(walk: PolicyWalk, at: Located): ResolvedPolicy {
  const policy: Record<string, unknown> = {};
  const statementLines: (number | undefined)[] = [];
  let judgeable = true;
  for (const [key, value] of Object.entries(at.value as Record<string, unknown>)) {
    const child = childOf(at, key, value);
    if (key !== 'Statement') {
      const e = evaluate(walk.scope, child);
      if (e.kind === 'value') defineKey(policy, key, e.value);
      else if (e.kind === 'unresolved') leftOut(walk, e, child, `${key} is left out of the judged policy`);
      continue;
    }
    const noticesBefore = walk.notices.length;
    const statements: unknown[] = [];
    for (const item of listItems(walk, child, true, undefined)) {
      if (item.kind === 'unresolved') {
        leftOut(walk, item.problem, item.at, 'the statements it stands for could not be judged and are left out');
        continue;
      }
      const statement = isRecord(item.at.value) ? resolveStatement(walk, item.at, item.uncertain) : item.at.value;
      if (statement === undefined) continue;
      statements.push(statement);
      statementLines.push(walk.lineFor(item.at.path));
    }
    defineKey(policy, key, statements);
    // Every statement left out for something unknown: there is nothing to judge (an empty list as written is the
    // engine's to refuse).
    if (statements.length === 0 && walk.notices.length > noticesBefore) judgeable = false;
  }
  if (!Object.hasOwn(policy, 'Statement') && Object.hasOwn(at.value as object, 'Statement')) judgeable = false;
  return { policy: judgeable ? policy : undefined, statementLines };
}

function resolveStatement(walk: PolicyWalk, at: Located, uncertain: string | undefined): unknown {
  const raw = at.value as Record<string, unknown>;
  const label = `${renderPath(at.path)}${typeof raw.Sid === 'string' ? ` (${JSON.stringify(raw.Sid)})` : ''}`;
  const effectAt = childOf(at, 'Effect', raw.Effect);
  const effect = Object.hasOwn(raw, 'Effect') ? evaluate(walk.scope, effectAt) : undefined;
  if (effect?.kind === 'unresolved') {
    return leftOut(walk, effect, effectAt, `${label} cannot be judged without its Effect and is left out`);
  }
  if (effect?.kind === 'value' && effect.value === 'Deny') {
    const denial = 'a Deny that cannot be read is not relied on';
    if (uncertain !== undefined) {
      note(
        walk,
        at.path,
        `the Deny ${label} is there only under condition ${uncertain}, which cannot be decided: ${denial}, so it is left out of the judged policy`,
      );
      return undefined;
    }
    const whole = evaluate(walk.scope, at);
    if (whole.kind === 'unresolved') {
      return leftOut(walk, whole, at, `${denial}: ${label} is left out of the judged policy`);
    }
    return whole.kind === 'value' ? whole.value : undefined;
  }
  const statement: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const child = childOf(at, key, value);
    if (key === 'Principal' || key === 'NotPrincipal') {
      const principal = resolvePrincipal(walk, child, key === 'Principal', label);
      if (principal === DROP) return undefined;
      if (principal !== undefined) defineKey(statement, key, principal);
    } else if (key === 'Action' || key === 'Resource') {
      const { values, problems } = resolveList(walk, child, true);
      for (const { at: where, problem } of problems) {
        if (key === 'Action') {
          return leftOut(walk, problem, where, `${label} cannot be judged without its Action and is left out`);
        }
        // In a key policy a resource can only be the key itself; judging it as "*" keeps the grant in view.
        leftOut(walk, problem, where, `this resource is judged as "*" (the key itself) in ${label}`);
        values.push('*');
      }
      defineKey(statement, key, values);
    } else if (key === 'Condition') {
      const condition = resolveCondition(walk, child, label);
      if (condition !== undefined) defineKey(statement, key, condition);
    } else {
      const e = evaluate(walk.scope, child);
      if (e.kind === 'value') defineKey(statement, key, e.value);
      else if (e.kind === 'unresolved') {
        const vital = key === 'NotAction' || key === 'NotResource' || key === 'Effect';
        const outcome = vital ? `${label} cannot be judged without it and is left out` : `${key} is left out`;
        leftOut(walk, e, child, outcome);
        if (vital) return undefined;
      }
    }
  }
  return statement;
}

const DROP = Symbol('drop the statement');

/** An Allow's principal: unresolvable entries left out; the statement left out when none is left (DROP). */
function resolvePrincipal(walk: PolicyWalk, at: Located, union: boolean, label: string): unknown {
  const cannot = `${label} cannot be judged without its principal and is left out`;
  const s = step(walk.scope, at);
  if (s.kind === 'none') return undefined;
  if (s.kind === 'unresolved') return dropWith(walk, s, at, cannot);
  if (s.kind === 'choice') {
    const problem = undecided(walk.scope, s.condition);
    if (!union) return dropWith(walk, problem, at, cannot);
    note(
      walk,
      at.path,
      `${show(at.value)}: ${problem.reason}, so the principals of both branches are judged; to judge one, ${problem.fix}`,
    );
    const options = s.options.map((o) => resolvePrincipal(walk, o, union, label));
    return options.includes(DROP) ? DROP : merge(options);
  }
  if (!isRecord(s.at.value)) {
    const e = evaluate(walk.scope, s.at);
    if (e.kind === 'unresolved') return dropWith(walk, e, at, cannot);
    return e.kind === 'value' ? e.value : undefined;
  }
  const block: Record<string, unknown> = {};
  let lost = 0;
  for (const [type, value] of Object.entries(s.at.value)) {
    const { values, problems } = resolveList(walk, childOf(s.at, type, value), union);
    for (const { at: where, problem } of problems) {
      if (!union) return dropWith(walk, problem, where, cannot);
      leftOut(walk, problem, where, 'this principal is left out of the judged policy: neither trusted nor reported');
    }
    lost += problems.length;
    if (values.length > 0) defineKey(block, type, values);
  }
  if (lost > 0 && Object.keys(block).length === 0) {
    note(walk, at.path, `none of the principals of ${label} could be resolved, so it cannot be judged and is left out`);
    return DROP;
  }
  return block;
}

function dropWith(walk: PolicyWalk, problem: Unresolved, at: Located, outcome: string): typeof DROP {
  leftOut(walk, problem, at, outcome);
  return DROP;
}

/** Both branches' principals as one: everyone if either is `"*"`, else each principal type's entries together. */
function merge(options: unknown[]): unknown {
  if (
    options.some((o) => o === '*' || (isRecord(o) && (o.AWS === '*' || (Array.isArray(o.AWS) && o.AWS.includes('*')))))
  ) {
    return '*';
  }
  const types = new Map<string, unknown[]>();
  for (const option of options) {
    for (const [type, value] of Object.entries(isRecord(option) ? option : {})) {
      types.set(type, [...(types.get(type) ?? []), ...(Array.isArray(value) ? value : [value])]);
    }
  }
  const block: Record<string, unknown> = {};
  for (const [type, values] of types) defineKey(block, type, values);
  return block;
}

/** An Allow's Condition: what cannot be resolved is dropped (the statement is judged as if it did not narrow it). */
function resolveCondition(walk: PolicyWalk, at: Located, label: string): unknown {
  const without = `${label} is judged without it (a condition that cannot be read narrows nothing)`;
  const s = step(walk.scope, at);
  if (s.kind === 'none') return undefined;
  if (s.kind === 'unresolved' || s.kind === 'choice') {
    return leftOut(walk, s.kind === 'choice' ? undecided(walk.scope, s.condition) : s, at, without);
  }
  if (!isRecord(s.at.value)) {
    const e = evaluate(walk.scope, s.at);
    return e.kind === 'value' ? e.value : e.kind === 'unresolved' ? leftOut(walk, e, at, without) : undefined;
  }
  const block: Record<string, unknown> = {};
  for (const [operator, value] of Object.entries(s.at.value)) {
    const clause = step(walk.scope, childOf(s.at, operator, value));
    if (clause.kind === 'unresolved' || clause.kind === 'choice') {
      const problem = clause.kind === 'choice' ? undecided(walk.scope, clause.condition) : clause;
      leftOut(walk, problem, childOf(s.at, operator, value), without);
      continue;
    }
    if (clause.kind === 'none') continue;
    if (!isRecord(clause.at.value)) {
      // Not a mapping of condition keys: kept as written for the engine to refuse.
      const e = evaluate(walk.scope, clause.at);
      if (e.kind === 'value') defineKey(block, operator, e.value);
      else if (e.kind === 'unresolved') leftOut(walk, e, clause.at, without);
      continue;
    }
    const keys: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(clause.at.value as Record<string, unknown>)) {
      const one = evaluate(walk.scope, childOf(clause.at, key, raw));
      if (one.kind === 'value') defineKey(keys, key, one.value);
      else if (one.kind === 'unresolved') leftOut(walk, one, childOf(clause.at, key, raw), without);
    }
    if (Object.keys(keys).length > 0) defineKey(block, operator, keys);
  }
  return Object.keys(block).length > 0 ? block : undefined;
}
