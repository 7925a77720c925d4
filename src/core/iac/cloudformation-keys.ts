import { SentinelError } from '../errors.js';
import { parseStrictJson } from '../policy/json-text.js';
import { decide } from './cloudformation-conditions.js';
import { type ResolvedPolicy, resolvePolicy } from './cloudformation-policy.js';
import { type PolicyWalk, renderPath } from './cloudformation-walk.js';
import { evaluate, type Located, type Path, type Scope, scopeOf, step, undecided } from './intrinsics.js';
import { isRecord, nestsDeeperThan, record } from './json-values.js';
import type { IacContext, IacKey, IacNotice, TemplateDocument } from './types.js';

const KEY_TYPES: ReadonlySet<unknown> = new Set(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey']);
/** As deep as a template may nest (the reader's bound); a policy's conditions sit five levels down. */
const MAX_POLICY_DEPTH = 64;

/**
 * Every KMS key a CloudFormation template declares (`AWS::KMS::Key`, `AWS::KMS::ReplicaKey`), its KeyPolicy resolved
 * (see resolvePolicy) for a stack deployed to `context.account` with `context.parameters`. A key whose resource
 * condition is decided false is not created, so it is not listed. A KeyPolicy given as a JSON string that is not
 * valid JSON is an `invalid-policy` notice (the file cannot pass).
 */
export function cloudFormationKeys(doc: TemplateDocument, context: IacContext): IacKey[] {
  const root = doc.root;
  if (!isRecord(root) || !isRecord(root.Resources)) return [];
  const scope = scopeOf(root, context);
  const keys: IacKey[] = [];
  for (const [id, resource] of Object.entries(root.Resources)) {
    if (!isRecord(resource) || !KEY_TYPES.has(resource.Type)) continue;
    if (typeof resource.Condition === 'string' && decide(scope, resource.Condition, evaluate) === false) continue;
    keys.push(keyOf(doc, scope, id, String(resource.Type), record(resource.Properties)));
  }
  return keys;
}

function keyOf(
  doc: TemplateDocument,
  scope: Scope,
  id: string,
  resourceType: string,
  properties: Readonly<Record<string, unknown>>,
): IacKey {
  const resourcePath = ['Resources', id];
  const policyPath = [...resourcePath, 'Properties', 'KeyPolicy'];
  const lineNear = (path: Path) => nearestLine(doc, path);
  const notices: IacNotice[] = [];
  const key = { file: doc.file, resource: id, resourceType, account: scope.context.account, notices };
  if (!Object.hasOwn(properties, 'KeyPolicy')) {
    notices.push(noPolicy(id, resourceType, lineNear(resourcePath)));
    return { ...key, policy: undefined, statementLines: [], line: lineNear(resourcePath) };
  }
  const line = lineNear(policyPath);
  const walk: PolicyWalk = { scope, notices, lineFor: (path) => lineNear([...policyPath, ...path]) };
  const resolved = resolveKeyPolicy(walk, { value: properties.KeyPolicy, path: [], literal: false }, id);
  if (resolved === 'none') notices.push(noPolicy(id, resourceType, line));
  const { policy, statementLines } = resolved === 'none' ? { policy: undefined, statementLines: [] } : resolved;
  // In the order of the file, as a person reads it (the sort is stable: one line keeps the order found).
  notices.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  return { ...key, policy, statementLines, line };
}

function resolveKeyPolicy(walk: PolicyWalk, at: Located, id: string): ResolvedPolicy | 'none' {
  const s = step(walk.scope, at);
  if (s.kind === 'none') return 'none';
  if (s.kind === 'unresolved') return unjudged(walk, at, s.reason, s.fix);
  if (s.kind === 'choice') {
    // Either policy may be deployed: both are judged, as one policy holding the statements of each.
    const problem = undecided(walk.scope, s.condition);
    const branches = s.options.map((o) => resolveKeyPolicy(walk, o, id));
    walk.notices.push({
      code: 'unresolvable',
      at: renderPath(at.path) || undefined,
      message: `KeyPolicy: ${problem.reason}, so the statements of both policies are judged; to judge one, ${problem.fix}`,
      line: walk.lineFor(at.path),
    });
    return joined(branches, s.condition, walk, s.options);
  }
  const { value, path } = s.at;
  if (typeof value === 'string') {
    // CloudFormation takes a key policy as a JSON string too; functions inside the string are text, not applied.
    const line = walk.lineFor(path);
    const parsed = parseString(value, id, line);
    if (typeof parsed === 'string') {
      walk.notices.push({ code: 'invalid-policy', at: undefined, message: parsed, line });
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

function joined(
  branches: (ResolvedPolicy | 'none')[],
  condition: string,
  walk: PolicyWalk,
  options: readonly Located[],
) {
  const statements: unknown[] = [];
  const statementLines: (number | undefined)[] = [];
  let first: Record<string, unknown> | undefined;
  for (const [i, branch] of branches.entries()) {
    if (branch === 'none' || branch.policy === undefined) continue;
    const policy = branch.policy;
    first ??= policy;
    const list = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
    for (const [j, statement] of list.entries()) {
      if (isRecord(statement) && statement.Effect === 'Deny') {
        const where = options[i]?.path ?? [];
        walk.notices.push({
          code: 'unresolvable',
          at: renderPath(where) || undefined,
          message: `KeyPolicy: a Deny statement of the policy chosen by condition ${condition} is there only if the condition holds, which cannot be decided: a Deny that may not be there is not relied on, so it is left out of the judged policy`,
          line: branch.statementLines[j] ?? walk.lineFor(where),
        });
        continue;
      }
      statements.push(statement);
      statementLines.push(branch.statementLines[j]);
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
  walk.notices.push({
    code: 'unresolvable',
    at: undefined,
    message: `KeyPolicy ${JSON.stringify(at.value).slice(0, 120)} could not be resolved: ${reason}. So the key's policy cannot be judged. To judge it as deployed, ${fix}`,
    line: walk.lineFor(at.path),
  });
  return { policy: undefined, statementLines: [] };
}

function noPolicy(id: string, resourceType: string, line: number | undefined): IacNotice {
  const message =
    resourceType === 'AWS::KMS::ReplicaKey'
      ? `${id} has no KeyPolicy, which CloudFormation requires for AWS::KMS::ReplicaKey: there is no policy to judge`
      : `${id} has no KeyPolicy: CloudFormation gives the key the default key policy (its own account's root, kms:*), which lets no other account in`;
  return { code: 'no-policy', at: undefined, message, line };
}

/** The line of a value, or of the closest enclosing value whose line is known (a policy given as a string has none). */
function nearestLine(doc: TemplateDocument, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const line = doc.lineOf(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}
