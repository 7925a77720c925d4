import { SentinelError } from '../errors.js';
import { parseStrictJson } from '../policy/json-text.js';
import type { TemplateResource } from './cloudformation-foreach.js';
import { type ResolvedPolicy, resolvePolicy } from './cloudformation-policy.js';
import { type PolicyWalk, renderPath, show } from './cloudformation-walk.js';
import { evaluate, functionCall, type Located, type Path, type Scope, step, undecided } from './intrinsics.js';
import { isRecord, nestsDeeperThan } from './json-values.js';
import type { IacKey, IacNotice, TemplateDocument } from './types.js';

/** As deep as a template may nest (the reader's bound); a policy's conditions sit five levels down. */
const MAX_POLICY_DEPTH = 64;

/** One KeyPolicy the key may be deployed with, as its Properties say once their functions are applied. */
type Variant =
  | { readonly kind: 'policy'; readonly at: Located }
  | { readonly kind: 'none'; readonly at: Located }
  | { readonly kind: 'unknown'; readonly at: Located; readonly reason: string; readonly fix: string };

/**
 * One key of the template, its KeyPolicy resolved (see resolvePolicy). Properties (or the KeyPolicy) chosen by an
 * `Fn::If` that cannot be decided: the key is judged with the statements of every policy it may be deployed with
 * (a Deny that only some of them hold is not relied on). A KeyPolicy given as a JSON string that is not valid JSON is
 * an `invalid-policy` notice (the file cannot pass).
 */
export function keyOf(doc: TemplateDocument, scope: Scope, resource: TemplateResource, resourceType: string): IacKey {
  const { id } = resource;
  const lineNear = (path: Path) => nearestLine(doc, path);
  const notices: IacNotice[] = [];
  const key = { file: doc.file, resource: id, resourceType, account: scope.context.account, notices };
  const raw = isRecord(resource.value) ? resource.value : {};
  const propertiesPath = [...resource.path, 'Properties'];
  const properties: Located = { value: raw.Properties, path: propertiesPath, literal: false };
  const variants = Object.hasOwn(raw, 'Properties')
    ? variantsOf(scope, properties, notices, lineNear)
    : [{ kind: 'none', at: properties } as const];
  const walkAt = (path: Path): PolicyWalk => ({ scope, notices, lineFor: (p) => lineNear([...path, ...p]) });
  const branches: Branch[] = [];
  for (const variant of variants) {
    if (variant.kind === 'unknown') {
      const text = `Properties of ${id} ${show(variant.at.value)} could not be resolved: ${variant.reason}. So the key's policy (in this branch) cannot be judged. To judge it as deployed, ${variant.fix}`;
      notices.push(notice('unresolvable', text, lineNear(variant.at.path), true));
      continue;
    }
    const resolved =
      variant.kind === 'none' ? 'none' : resolveKeyPolicy(walkAt(variant.at.path), { ...variant.at, path: [] }, id);
    branches.push({ resolved, at: undefined, line: lineNear(variant.at.path) });
  }
  const only = variants.length === 1 ? variants[0] : undefined;
  const line = lineNear(only === undefined ? propertiesPath : only.kind === 'policy' ? only.at.path : resource.path);
  if (branches.length > 0 && branches.every((b) => b.resolved === 'none')) {
    notices.push(noPolicy(id, resourceType, line));
  }
  const single = branches.length === 1 ? branches[0]?.resolved : undefined;
  const { policy, statementLines } =
    single !== undefined && single !== 'none' ? single : joined(branches, 'its Properties', notices);
  // In the order of the file, as a person reads it (the sort is stable: one line keeps the order found).
  notices.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  return { ...key, policy, statementLines, line };
}

/** The KeyPolicy each branch of the Properties holds: both branches of an `Fn::If` that cannot be decided. */
function variantsOf(scope: Scope, at: Located, notices: IacNotice[], lineNear: (p: Path) => number | undefined) {
  const s = step(scope, at);
  if (s.kind === 'none') return [{ kind: 'none', at } as const];
  if (s.kind === 'unresolved') return [{ kind: 'unknown', at, reason: s.reason, fix: s.fix } as const];
  if (s.kind === 'choice') {
    const problem = undecided(scope, s.condition);
    const text = `Properties ${show(at.value)}: ${problem.reason}, so the key is judged with the KeyPolicy of every branch (their statements together); to judge one, ${problem.fix}`;
    notices.push(notice('unresolvable', text, lineNear(at.path), false));
    return s.options.flatMap((o): Variant[] => variantsOf(scope, o, notices, lineNear));
  }
  if (!isRecord(s.at.value)) {
    const reason = `the Properties of a resource are a mapping, not ${show(s.at.value)}`;
    return [{ kind: 'unknown', at, reason, fix: 'correct the template (CloudFormation would refuse it)' } as const];
  }
  if (!Object.hasOwn(s.at.value, 'KeyPolicy')) return [{ kind: 'none', at: s.at } as const];
  const policy = { value: s.at.value.KeyPolicy, path: [...s.at.path, 'KeyPolicy'], literal: s.at.literal };
  return [{ kind: 'policy', at: policy } as const];
}

function resolveKeyPolicy(walk: PolicyWalk, at: Located, id: string): ResolvedPolicy | 'none' {
  const call = at.literal ? undefined : functionCall(at.value);
  if (call?.name === 'Fn::ToJsonString') {
    // AWS::LanguageExtensions writes the object as a JSON string, which CloudFormation reads back as the same policy.
    return resolveKeyPolicy(walk, { value: call.args, path: [...at.path, call.name], literal: false }, id);
  }
  const s = step(walk.scope, at);
  if (s.kind === 'none') return 'none';
  if (s.kind === 'unresolved') return unjudged(walk, at, s.reason, s.fix);
  if (s.kind === 'choice') {
    // Either policy may be deployed: both are judged, as one policy holding the statements of each.
    const problem = undecided(walk.scope, s.condition);
    const branches = s.options.map((o) => ({
      resolved: resolveKeyPolicy(walk, o, id),
      at: renderPath(o.path) || undefined,
      line: walk.lineFor(o.path),
    }));
    walk.notices.push({
      ...notice(
        'unresolvable',
        `KeyPolicy: ${problem.reason}, so the statements of both policies are judged; to judge one, ${problem.fix}`,
        walk.lineFor(at.path),
        false,
      ),
      at: renderPath(at.path) || undefined,
    });
    return joined(branches, `condition ${s.condition}`, walk.notices);
  }
  const { value, path } = s.at;
  if (typeof value === 'string') {
    // CloudFormation takes a key policy as a JSON string too; functions inside the string are text, not applied.
    const line = walk.lineFor(path);
    const parsed = parseString(value, id, line);
    if (typeof parsed === 'string') {
      walk.notices.push(notice('invalid-policy', parsed, line, true));
      return { policy: undefined, statementLines: [] };
    }
    const literal: PolicyWalk = { ...walk, lineFor: () => line };
    const policy = parsed.value;
    return isRecord(policy) ? resolvePolicy(literal, { value: policy, path: [], literal: true }) : plain(policy);
  }
  if (isRecord(value)) return resolvePolicy(walk, s.at);
  const e = evaluate(walk.scope, s.at);
  if (e.kind === 'unresolved') return unjudged(walk, at, e.reason, e.fix);
  return e.kind === 'value' ? plain(e.value) : 'none';
}

/** A policy that is not an object: the engine refuses it with its own words. */
function plain(value: unknown): ResolvedPolicy {
  return { policy: value as Record<string, unknown>, statementLines: [] };
}

/** A policy the key may be deployed with; `at` (inside the KeyPolicy) and `line`: where it is written. */
interface Branch {
  readonly resolved: ResolvedPolicy | 'none';
  readonly at: string | undefined;
  readonly line: number | undefined;
}

/**
 * The policies a key may be deployed with, judged as one: the statements of each. A Deny only some of them hold may
 * not be there, so it is not relied on; a branch without a policy (the default key policy) adds nothing.
 */
function joined(branches: readonly Branch[], chosenBy: string, notices: IacNotice[]): ResolvedPolicy {
  const statements: unknown[] = [];
  const statementLines: (number | undefined)[] = [];
  let first: Record<string, unknown> | undefined;
  for (const { resolved, at, line } of branches) {
    if (resolved === 'none' || resolved.policy === undefined) continue;
    const policy = resolved.policy;
    first ??= policy;
    const list = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
    for (const [j, statement] of list.entries()) {
      if (isRecord(statement) && statement.Effect === 'Deny') {
        notices.push({
          ...notice(
            'unresolvable',
            `KeyPolicy: a Deny statement of the policy chosen by ${chosenBy} is there only if that choice is made, which cannot be decided: a Deny that may not be there is not relied on, so it is left out of the judged policy`,
            resolved.statementLines[j] ?? line,
            false,
          ),
          at,
        });
        continue;
      }
      statements.push(statement);
      statementLines.push(resolved.statementLines[j]);
    }
  }
  if (first === undefined || statements.length === 0) return { policy: undefined, statementLines: [] };
  return { policy: { ...first, Statement: statements }, statementLines };
}

/** The policy a JSON string holds, or (a string) why it is not one: the key cannot pass, the file's other keys can. */
function parseString(text: string, id: string, line: number | undefined): { value: unknown } | string {
  try {
    const value = parseStrictJson(text);
    if (nestsDeeperThan(value, MAX_POLICY_DEPTH)) {
      return `${id}: its KeyPolicy string nests more than ${MAX_POLICY_DEPTH} levels deep; no key policy does`;
    }
    return { value };
  } catch (error) {
    if (!(error instanceof SentinelError)) throw error;
    const where = line === undefined ? '' : ` (line ${line})`;
    return `${id}: its KeyPolicy${where} is a string that is not one JSON policy: ${error.message} [${error.code}]`;
  }
}

function unjudged(walk: PolicyWalk, at: Located, reason: string, fix: string): ResolvedPolicy {
  const text = `KeyPolicy ${JSON.stringify(at.value).slice(0, 120)} could not be resolved: ${reason}. So the key's policy cannot be judged. To judge it as deployed, ${fix}`;
  walk.notices.push(notice('unresolvable', text, walk.lineFor(at.path), true));
  return { policy: undefined, statementLines: [] };
}

function noPolicy(id: string, resourceType: string, line: number | undefined): IacNotice {
  const message =
    resourceType === 'AWS::KMS::ReplicaKey'
      ? `${id} has no KeyPolicy, which CloudFormation requires for AWS::KMS::ReplicaKey: there is no policy to judge`
      : `${id} has no KeyPolicy: CloudFormation gives the key the default key policy (its own account's root, kms:*), which lets no other account in`;
  return notice('no-policy', message, line, false);
}

function notice(code: IacNotice['code'], message: string, line: number | undefined, unjudged: boolean): IacNotice {
  return { code, at: undefined, message, line, unjudged };
}

/** The line of a value, or of the closest enclosing value whose line is known (a policy given as a string has none). */
function nearestLine(doc: TemplateDocument, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const line = doc.lineOf(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}
