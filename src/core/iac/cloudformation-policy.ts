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
      else if (e.kind === 'unresolved') {
        leftOut(walk, e, child, `${key} is left out of the judged policy`, key !== 'Id');
      }
      continue;
    }
    const noticesBefore = walk.notices.length;
    const statements: unknown[] = [];
    for (const item of listItems(walk, child, true, undefined)) {
      if (item.kind === 'unresolved') {
        const outcome = 'the statements it stands for could not be judged and are left out';
        leftOut(walk, item.problem, item.at, outcome, true);
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
  const effect = effectOf(walk, childOf(at, 'Effect', raw.Effect), label, Object.hasOwn(raw, 'Effect'));
  if (effect === DROP) return undefined;
  if (effect === 'Deny') {
    const denial = 'a Deny that cannot be read is not relied on';
    if (uncertain !== undefined) {
      note(
        walk,
        at.path,
        `the Deny ${label} is there only under condition ${uncertain}, which cannot be decided: ${denial}, so it is left out of the judged policy`,
        false,
      );
      return undefined;
    }
    const whole = evaluate(walk.scope, at);
    if (whole.kind === 'unresolved') {
      return leftOut(walk, whole, at, `${denial}: ${label} is left out of the judged policy`, false);
    }
    return whole.kind === 'value' ? whole.value : undefined;
  }
  const statement: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const child = childOf(at, key, value);
    if (key === 'Effect') {
      if (effect !== undefined) defineKey(statement, key, effect);
    } else if (key === 'Principal') {
      const principal = resolvePrincipal(walk, child, label, false);
      if (principal === DROP) return undefined;
      if (principal !== undefined) defineKey(statement, key, principal);
    } else if (key === 'NotPrincipal') {
      const excluded = resolveNotPrincipal(walk, child, label);
      // Principal too is the engine's to refuse, as written.
      if (excluded === EVERYONE) defineKey(statement, Object.hasOwn(raw, 'Principal') ? key : 'Principal', '*');
      else if (excluded !== undefined) defineKey(statement, key, excluded);
    } else if (key === 'Action' || key === 'Resource') {
      const { values, problems } = resolveList(walk, child, true);
      for (const { at: where, problem } of problems) {
        if (key === 'Action') {
          // It could be any action: judged as all of them, so nothing it may give is missed.
          leftOut(walk, problem, where, `this action is judged as "kms:*" (it may be any action) in ${label}`, false);
          values.push('kms:*');
          continue;
        }
        // In a key policy a resource can only be the key itself; judging it as "*" keeps the grant in view.
        leftOut(walk, problem, where, `this resource is judged as "*" (the key itself) in ${label}`, false);
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
        // An Allow with an exclusion that cannot be read: judged as if it excluded nothing (all actions, the key).
        const instead = key === 'NotAction' ? 'Action' : key === 'NotResource' ? 'Resource' : undefined;
        const outcome =
          instead === undefined
            ? `${key} is left out`
            : `${label} is judged as if it excluded nothing ("${instead}": ${instead === 'Action' ? '"kms:*"' : '"*"'})`;
        leftOut(walk, e, child, outcome, false);
        if (instead !== undefined) defineKey(statement, instead, instead === 'Action' ? ['kms:*'] : ['*']);
      }
    }
  }
  return statement;
}

const DROP = Symbol('drop the statement');
/** What an Allow's NotPrincipal that cannot be read is judged as: everyone (Principal "*"). */
const EVERYONE = Symbol('everyone');

/**
 * A statement's Effect. An `Fn::If` choosing between Allow and Deny that cannot be decided is judged as the Allow it
 * may be (and so never relied on as a Deny); so is an Effect that cannot be resolved at all.
 */
function effectOf(walk: PolicyWalk, at: Located, label: string, given: boolean): unknown {
  if (!given) return undefined;
  const s = step(walk.scope, at);
  if (s.kind === 'choice') {
    const problem = undecided(walk.scope, s.condition);
    const outcome = `${label} is judged as an Allow: it may allow when deployed, and a Deny that may not be there is not relied on`;
    leftOut(walk, { ...problem, path: at.path, expression: at.value }, at, outcome, false);
    return 'Allow';
  }
  const e = evaluate(walk.scope, at);
  if (e.kind === 'unresolved') {
    const outcome = `${label} is judged as an Allow: it may allow when deployed, and a Deny that cannot be read is not relied on`;
    leftOut(walk, e, at, outcome, false);
    return 'Allow';
  }
  return e.kind === 'value' ? e.value : undefined;
}

/**
 * An Allow's principal: unresolvable entries left out; the statement left out (DROP) when none is left. Where an
 * `Fn::If` cannot be decided, every branch that can be resolved is judged (their principals together); a branch that
 * cannot is left out and said so, never the branches that can.
 */
function resolvePrincipal(walk: PolicyWalk, at: Located, label: string, inBranch: boolean): unknown {
  const so = inBranch
    ? 'this branch is left out of the judged policy (neither trusted nor reported), the other one judged'
    : 'it cannot be judged and is left out';
  const cannot = inBranch ? so : `${label} cannot be judged without its principal and is left out`;
  const s = step(walk.scope, at);
  if (s.kind === 'none') return undefined;
  if (s.kind === 'unresolved') return dropWith(walk, s, at, cannot);
  if (s.kind === 'choice') {
    const problem = undecided(walk.scope, s.condition);
    note(
      walk,
      at.path,
      `${show(at.value)}: ${problem.reason}, so the principals of both branches are judged; to judge one, ${problem.fix}`,
      false,
    );
    const kept = s.options.map((o) => resolvePrincipal(walk, o, label, true)).filter((o) => o !== DROP);
    if (kept.length > 0) return merge(kept);
    note(walk, at.path, `no branch of the principal of ${label} could be resolved, so ${so}`, true);
    return DROP;
  }
  if (!isRecord(s.at.value)) {
    const e = evaluate(walk.scope, s.at);
    if (e.kind === 'unresolved') return dropWith(walk, e, at, cannot);
    return e.kind === 'value' ? e.value : undefined;
  }
  const block: Record<string, unknown> = {};
  let lost = 0;
  for (const [type, value] of Object.entries(s.at.value)) {
    const { values, problems } = resolveList(walk, childOf(s.at, type, value), true);
    for (const { at: where, problem } of problems) {
      leftOut(
        walk,
        problem,
        where,
        'this principal is left out of the judged policy: neither trusted nor reported',
        true,
      );
    }
    lost += problems.length;
    if (values.length > 0) defineKey(block, type, values);
  }
  if (lost > 0 && Object.keys(block).length === 0) {
    note(walk, at.path, `none of the principals of ${label} could be resolved, so ${so}`, true);
    return DROP;
  }
  return block;
}

/**
 * An Allow's NotPrincipal, which lets in everyone it does not list: an exclusion that cannot be resolved is left out
 * (fewer exclusions let in more, not less), and when none is left, or the block itself cannot be resolved, the
 * statement is judged as letting in everyone (EVERYONE), never left out.
 */
function resolveNotPrincipal(walk: PolicyWalk, at: Located, label: string): unknown {
  const everyone = `${label} is judged as letting in everyone (Principal "*"): an Allow with NotPrincipal lets in everyone it does not list, and what this one lists is not known`;
  const s = step(walk.scope, at);
  if (s.kind === 'none') return undefined;
  if (s.kind === 'unresolved' || s.kind === 'choice') {
    const problem = s.kind === 'choice' ? undecided(walk.scope, s.condition) : s;
    leftOut(walk, problem, at, everyone, false);
    return EVERYONE;
  }
  if (!isRecord(s.at.value)) {
    const e = evaluate(walk.scope, s.at);
    if (e.kind === 'unresolved') return leftOut(walk, e, at, everyone, false) ?? EVERYONE;
    return e.kind === 'value' ? e.value : undefined;
  }
  const block: Record<string, unknown> = {};
  for (const [type, value] of Object.entries(s.at.value)) {
    const { values, problems } = resolveList(walk, childOf(s.at, type, value), false);
    for (const { at: where, problem } of problems) {
      const outcome = `it is not counted among those ${label} excludes (an Allow with NotPrincipal lets in everyone it does not list: fewer exclusions let in more, not less)`;
      leftOut(walk, problem, where, outcome, false);
    }
    if (values.length > 0) defineKey(block, type, values);
  }
  if (Object.keys(block).length > 0) return block;
  note(walk, at.path, `nothing it excludes could be resolved, so ${everyone}`, false);
  return EVERYONE;
}

function dropWith(walk: PolicyWalk, problem: Unresolved, at: Located, outcome: string): typeof DROP {
  leftOut(walk, problem, at, outcome, true);
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
  if (types.size === 0) return undefined;
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
    return leftOut(walk, s.kind === 'choice' ? undecided(walk.scope, s.condition) : s, at, without, false);
  }
  if (!isRecord(s.at.value)) {
    const e = evaluate(walk.scope, s.at);
    return e.kind === 'value' ? e.value : e.kind === 'unresolved' ? leftOut(walk, e, at, without, false) : undefined;
  }
  const block: Record<string, unknown> = {};
  for (const [operator, value] of Object.entries(s.at.value)) {
    const clause = step(walk.scope, childOf(s.at, operator, value));
    if (clause.kind === 'unresolved' || clause.kind === 'choice') {
      const problem = clause.kind === 'choice' ? undecided(walk.scope, clause.condition) : clause;
      leftOut(walk, problem, childOf(s.at, operator, value), without, false);
      continue;
    }
    if (clause.kind === 'none') continue;
    if (!isRecord(clause.at.value)) {
      // Not a mapping of condition keys: kept as written for the engine to refuse.
      const e = evaluate(walk.scope, clause.at);
      if (e.kind === 'value') defineKey(block, operator, e.value);
      else if (e.kind === 'unresolved') leftOut(walk, e, clause.at, without, false);
      continue;
    }
    const keys: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(clause.at.value as Record<string, unknown>)) {
      const one = evaluate(walk.scope, childOf(clause.at, key, raw));
      if (one.kind === 'value') defineKey(keys, key, one.value);
      else if (one.kind === 'unresolved') leftOut(walk, one, childOf(clause.at, key, raw), without, false);
    }
    if (Object.keys(keys).length > 0) defineKey(block, operator, keys);
  }
  return Object.keys(block).length > 0 ? block : undefined;
}
