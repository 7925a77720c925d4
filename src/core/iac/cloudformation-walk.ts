import {
  type Evaluated,
  evaluate,
  type Located,
  type Path,
  type Scope,
  step,
  type Unresolved,
  undecided,
} from './intrinsics.js';
import type { IacNotice } from './types.js';

/** One key policy being resolved: the template's scope, where a policy path sits in the file, what was said. */
export interface PolicyWalk {
  readonly scope: Scope;
  readonly lineFor: (path: Path) => number | undefined;
  readonly notices: IacNotice[];
}

export type Item =
  | { readonly kind: 'value'; readonly at: Located; readonly uncertain: string | undefined }
  | { readonly kind: 'unresolved'; readonly at: Located; readonly problem: Unresolved };

/**
 * The entries of a list position (a single value stands for a one-entry list), `AWS::NoValue` left out. An undecided
 * `Fn::If` gives both branches' entries when `union` (each marked with the condition), else it is unresolvable.
 */
export function listItems(
  walk: PolicyWalk,
  at: Located,
  union: boolean,
  uncertain: string | undefined,
  nested = false,
): Item[] {
  const s = step(walk.scope, at);
  switch (s.kind) {
    case 'none':
      return [];
    case 'unresolved':
      return [{ kind: 'unresolved', at, problem: s }];
    case 'choice': {
      const problem = undecided(walk.scope, s.condition);
      if (!union) return [{ kind: 'unresolved', at, problem }];
      note(
        walk,
        at.path,
        `${show(at.value)}: ${problem.reason}, so both branches are judged; to judge one, ${problem.fix}`,
        false,
      );
      return s.options.flatMap((o) => listItems(walk, o, union, uncertain ?? s.condition, nested));
    }
    case 'value': {
      const { value, path, literal } = s.at;
      if (nested || !Array.isArray(value)) return [{ kind: 'value', at: s.at, uncertain }];
      return value.flatMap((v, i) =>
        listItems(walk, { value: v, path: [...path, i], literal }, union, uncertain, true),
      );
    }
  }
}

/** The plain values of a list position, and the entries that could not be resolved. */
export function resolveList(walk: PolicyWalk, at: Located, union: boolean) {
  const values: unknown[] = [];
  const problems: { at: Located; problem: Unresolved }[] = [];
  for (const item of listItems(walk, at, union, undefined)) {
    const e: Evaluated = item.kind === 'value' ? evaluate(walk.scope, item.at) : item.problem;
    if (e.kind === 'value') values.push(e.value);
    else if (e.kind === 'unresolved') problems.push({ at: item.at, problem: e });
  }
  return { values, problems };
}

export function childOf(at: Located, key: string, value: unknown): Located {
  return { value, path: [...at.path, key], literal: at.literal };
}

/**
 * Says what could not be resolved, where, why, what was done about it and how to have it judged; returns undefined.
 * `unjudged`: what was done leaves out of the verdict something that may let a principal in (see IacNotice).
 */
export function leftOut(
  walk: PolicyWalk,
  problem: Unresolved,
  at: Located,
  outcome: string,
  unjudged: boolean,
): undefined {
  const path = problem.path ?? at.path;
  const expression = problem.expression ?? at.value;
  note(
    walk,
    path,
    `${show(expression)} could not be resolved: ${problem.reason}. So ${outcome}. To judge it as deployed, ${problem.fix}`,
    unjudged,
  );
  return undefined;
}

export function note(walk: PolicyWalk, path: Path, message: string, unjudged: boolean): void {
  const at = renderPath(path);
  walk.notices.push({
    code: 'unresolvable',
    at: at === '' ? undefined : at,
    message: `${at === '' ? 'KeyPolicy' : at}: ${message}`,
    line: walk.lineFor(path),
    unjudged,
  });
}

/** A policy path as a person reads it: `Statement[1].Principal.AWS[0]`. */
export function renderPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
