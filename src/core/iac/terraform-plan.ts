import { isAccountId, parsePrincipalArn } from '../arn.js';
import { messageOf } from '../errors.js';
import { parseStrictJson } from '../policy/json-text.js';
import type { IacContext, IacKey, IacNotice } from './types.js';

/**
 * Reads the keys a Terraform plan (`terraform show -json plan.out`) will leave in place, with their key policies.
 * A plan has no source lines: every line is undefined.
 */

/** Resource types whose `policy` argument is a key policy. */
const KEY_POLICY_TYPES = new Set([
  'aws_kms_key',
  'aws_kms_key_policy',
  'aws_kms_replica_key',
  'aws_kms_external_key',
  'aws_kms_replica_external_key',
]);

/** Types whose policy, when not set, is the default key policy KMS gives a new key (aws_kms_key_policy requires one). */
const DEFAULT_POLICY_TYPES = new Set([
  'aws_kms_key',
  'aws_kms_replica_key',
  'aws_kms_external_key',
  'aws_kms_replica_external_key',
]);

type Json = Record<string, unknown>;

/** A plan: an object with `format_version` and planned values or resource changes. */
export function isTerraformPlan(root: unknown): boolean {
  return (
    isObject(root) &&
    typeof root.format_version === 'string' &&
    (isObject(root.planned_values) || Array.isArray(root.resource_changes))
  );
}

interface Planned {
  readonly address: string;
  readonly type: string;
  readonly values: Json;
  /** True when the plan says the policy will be known only after apply. */
  readonly policyUnknown: boolean;
  /** From planned_values only, where an unknown value and an unset one both show as absent. */
  readonly valuesOnly: boolean;
}

export function terraformPlanKeys(file: string, root: unknown, context: IacContext): IacKey[] {
  if (!isObject(root)) return [];
  const configuration = configurationOf(root.configuration);
  const planned = new Map<string, Planned>();
  const gone = new Set<string>();
  for (const change of arrayOf(root.resource_changes)) {
    if (!isObject(change) || change.mode === 'data' || change.deposed !== undefined) continue;
    const { address, type } = change;
    if (typeof address !== 'string' || typeof type !== 'string' || !KEY_POLICY_TYPES.has(type)) continue;
    const detail = isObject(change.change) ? change.change : {};
    const actions = arrayOf(detail.actions);
    // A resource only deleted (or forgotten) leaves no key behind for the plan to answer for.
    if (!isObject(detail.after) || actions.every((a) => a === 'delete' || a === 'forget')) {
      gone.add(address);
      continue;
    }
    const unknown = isObject(detail.after_unknown) && detail.after_unknown.policy === true;
    planned.set(address, { address, type, values: detail.after, policyUnknown: unknown, valuesOnly: false });
  }
  const values = isObject(root.planned_values) ? root.planned_values.root_module : undefined;
  for (const resource of moduleResources(values)) {
    const { address, type } = resource;
    if (typeof address !== 'string' || typeof type !== 'string' || !KEY_POLICY_TYPES.has(type)) continue;
    if (resource.mode === 'data' || planned.has(address) || gone.has(address) || !isObject(resource.values)) continue;
    planned.set(address, { address, type, values: resource.values, policyUnknown: false, valuesOnly: true });
  }
  return [...planned.values()].map((resource) => {
    const configured = configuration.resources.get(configAddress(resource.address));
    const account = context.account ?? configuration.accountOf(configured?.providerKey);
    const { policy, notice } = policyOf(resource, configured);
    return {
      file,
      resource: resource.address,
      resourceType: resource.type,
      policy,
      account,
      statementLines: [],
      line: undefined,
      notices: notice === undefined ? [] : [notice],
    };
  });
}

function policyOf(
  resource: Planned,
  configured: ConfiguredResource | undefined,
): { policy: unknown; notice?: IacNotice } {
  const { address } = resource;
  const text = resource.values.policy;
  if (typeof text === 'string' && !resource.policyUnknown) {
    try {
      return { policy: parseStrictJson(text) };
    } catch (error) {
      return {
        policy: undefined,
        notice: notice(
          'invalid-policy',
          `${address}: the policy in the plan is not valid JSON, so it was not checked: ${messageOf(error)}`,
        ),
      };
    }
  }
  if (DEFAULT_POLICY_TYPES.has(resource.type)) {
    // The provider shows an unset policy as "known after apply" too: only the configuration tells the two apart.
    const unset =
      configured !== undefined
        ? configured.expressions.policy === undefined
        : !resource.policyUnknown && !resource.valuesOnly;
    if (unset) {
      return {
        policy: undefined,
        notice: notice(
          'no-policy',
          `${address} sets no policy: unless an aws_kms_key_policy sets one, KMS gives the key its default key policy, which lets in only the key's own account`,
        ),
      };
    }
  }
  const from = references(configured?.expressions.policy);
  const built = from.length === 0 ? '' : ` (it is built from ${from.join(', ')})`;
  return {
    policy: undefined,
    notice: notice(
      'policy-unknown',
      `${address}: the policy is known only after apply${built}, so it cannot be checked in the plan; check the key once applied (kms-sentinel scan), or build the policy from values known at plan time`,
    ),
  };
}

function notice(code: IacNotice['code'], message: string): IacNotice {
  return { code, at: undefined, message, line: undefined, unjudged: code !== 'no-policy' };
}

/** Every resource of a module in planned_values and, recursively, of its child modules. */
function moduleResources(module: unknown): Json[] {
  const found: Json[] = [];
  const pending: unknown[] = [module];
  while (pending.length > 0) {
    const next = pending.shift();
    if (!isObject(next)) continue;
    for (const resource of arrayOf(next.resources)) if (isObject(resource)) found.push(resource);
    pending.push(...arrayOf(next.child_modules));
  }
  return found;
}

interface ConfiguredResource {
  readonly providerKey: string | undefined;
  readonly expressions: Json;
}

interface Configuration {
  /** By address without instance keys, e.g. `module.tenant.aws_kms_key.this`. */
  readonly resources: ReadonlyMap<string, ConfiguredResource>;
  readonly accountOf: (providerKey: string | undefined) => string | undefined;
}

function configurationOf(configuration: unknown): Configuration {
  const resources = new Map<string, ConfiguredResource>();
  const config = isObject(configuration) ? configuration : {};
  const pending: { module: unknown; prefix: string }[] = [{ module: config.root_module, prefix: '' }];
  while (pending.length > 0) {
    const { module, prefix } = pending.shift() as { module: unknown; prefix: string };
    if (!isObject(module)) continue;
    for (const resource of arrayOf(module.resources)) {
      if (!isObject(resource) || typeof resource.address !== 'string' || resource.mode === 'data') continue;
      resources.set(prefix + resource.address, {
        providerKey: typeof resource.provider_config_key === 'string' ? resource.provider_config_key : undefined,
        expressions: isObject(resource.expressions) ? resource.expressions : {},
      });
    }
    const calls = isObject(module.module_calls) ? module.module_calls : {};
    for (const [name, call] of Object.entries(calls)) {
      if (isObject(call)) pending.push({ module: call.module, prefix: `${prefix}module.${name}.` });
    }
  }
  const providers = isObject(config.provider_config) ? config.provider_config : {};
  return {
    resources,
    accountOf: (key) => {
      const provider = key === undefined ? undefined : providers[key];
      return isObject(provider) && isObject(provider.expressions) ? providerAccount(provider.expressions) : undefined;
    },
  };
}

/**
 * The account a provider configuration deploys to, when its block says so in constants: `allowed_account_ids` naming
 * exactly one account, else the account of the (last) role it assumes. A value from a variable is not resolved.
 */
function providerAccount(expressions: Json): string | undefined {
  const allowed = constantOf(expressions.allowed_account_ids);
  if (Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === 'string' && isAccountId(allowed[0])) {
    return allowed[0];
  }
  for (const block of ['assume_role', 'assume_role_with_web_identity']) {
    const roles = arrayOf(expressions[block]).concat(isObject(expressions[block]) ? [expressions[block]] : []);
    const last = roles[roles.length - 1];
    const arn = isObject(last) ? constantOf(last.role_arn) : undefined;
    const account = typeof arn === 'string' ? parsePrincipalArn(arn)?.account : undefined;
    if (account !== undefined) return account;
  }
  return undefined;
}

function constantOf(expression: unknown): unknown {
  return isObject(expression) ? expression.constant_value : undefined;
}

/** What an expression refers to, without the shorter references Terraform lists as implied by longer ones. */
function references(expression: unknown): string[] {
  const all = isObject(expression)
    ? arrayOf(expression.references).filter((r): r is string => typeof r === 'string')
    : [];
  return all.filter(
    (r) => !all.some((other) => other !== r && (other.startsWith(`${r}.`) || other.startsWith(`${r}[`))),
  );
}

/** An instance address (`module.a["x"].aws_kms_key.k[0]`) as its configuration address (`module.a.aws_kms_key.k`). */
function configAddress(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]/g, '');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
