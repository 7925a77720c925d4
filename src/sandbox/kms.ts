import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import { type PageSizes, pageSize, paginate } from './pagination.js';
import type { RateLimiter } from './rate-limiter.js';
import { HANG } from './reply.js';
import type { KmsOperation, WorldGrant } from './world.js';
import { epochSeconds, type KeyRecord, type WorldIndex } from './world-index.js';

type Input = Record<string, unknown>;
type Handler = (input: Input, caller: Caller) => unknown;

export interface KmsSettings extends PageSizes {
  readonly quotas?: Partial<Record<KmsOperation, number>> | undefined;
  readonly nonexistentPrincipals?: readonly string[] | undefined;
}

const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const PENDING_DELETION_DAYS = 30;

function validation(member: string, constraint: string, value: unknown): AwsFault {
  return new AwsFault(
    'ValidationException',
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw validation(name[0]?.toLowerCase() + name.slice(1), 'Member must not be null', value);
  }
  return value;
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' ? value : undefined;
}

function limit(input: Input, max: number): number | undefined {
  const value = input.Limit;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw validation('limit', `Member must have value between 1 and ${max}`, value);
  }
  return value;
}

function invalidMarker(): AwsFault {
  return new AwsFault(
    'InvalidMarkerException',
    'The marker that specifies where pagination should next begin is not valid.',
  );
}

function rootArn(account: string): string {
  return account.startsWith('arn:') ? account : `arn:aws:iam::${account}:root`;
}

/** AWS Key Management Service (JSON 1.1, target prefix `TrentService`), per account+region of the caller. */
export class KmsService {
  readonly #index: WorldIndex;
  readonly #limiter: RateLimiter;
  readonly #settings: KmsSettings;
  readonly #handlers: Record<KmsOperation, Handler> = {
    ListKeys: (input, caller) => this.#listKeys(input, caller),
    DescribeKey: (input, caller) => this.#describeKey(input, caller),
    GetKeyPolicy: (input, caller) => this.#getKeyPolicy(input, caller),
    ListGrants: (input, caller) => this.#listGrants(input, caller),
    ListAliases: (input, caller) => this.#listAliases(input, caller),
    PutKeyPolicy: (input, caller) => this.#putKeyPolicy(input, caller),
    RevokeGrant: (input, caller) => this.#revokeGrant(input, caller),
    ListResourceTags: (input, caller) => this.#listResourceTags(input, caller),
  };
  /** Failures a test asked for: the next calls of an operation answer them, in order. */
  readonly #failures = new Map<string, AwsFault[]>();

  /** The next `times` calls of `operation` answer this error instead. */
  failNext(operation: KmsOperation, code: string, message: string, times: number): void {
    const queue = this.#failures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(new AwsFault(code, message));
    this.#failures.set(operation, queue);
  }

  constructor(index: WorldIndex, limiter: RateLimiter, settings: KmsSettings) {
    this.#index = index;
    this.#limiter = limiter;
    this.#settings = settings;
  }

  /** Answers one operation: its output, or HANG; throws AwsFault for an error answer. */
  handle(operation: string, input: Input, caller: Caller, now: number): unknown {
    const handler = Object.hasOwn(this.#handlers, operation) ? this.#handlers[operation as KmsOperation] : undefined;
    if (handler === undefined) throw new AwsFault('UnknownOperationException', `Unknown operation ${operation}`);
    const { principal, region } = caller;
    switch (this.#index.regionStatus(principal.account, region)) {
      case 'disabled':
        throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.');
      case 'hanging':
        return HANG;
      case 'denied':
        throw new AwsFault(
          'AccessDeniedException',
          `User: ${principal.arn} is not authorized to perform: kms:${operation} with an explicit deny in a service control policy`,
        );
      case 'enabled':
        break;
    }
    const injected = this.#failures.get(operation)?.shift();
    if (injected !== undefined) throw injected;
    const quota = this.#settings.quotas?.[operation as KmsOperation];
    if (quota !== undefined && !this.#limiter.take(`${principal.account}/${region}/${operation}`, quota, now)) {
      throw new AwsFault('ThrottlingException', 'Rate exceeded');
    }
    return handler(input, caller);
  }

  #pageSize(input: Input, serviceDefault: number, max: number): number {
    return pageSize(limit(input, max), serviceDefault, this.#settings);
  }

  #notFound(caller: Caller, keyId: string): AwsFault {
    if (keyId.startsWith('arn:')) return new AwsFault('NotFoundException', `Key '${keyId}' does not exist`);
    if (!KEY_ID.test(keyId)) return new AwsFault('NotFoundException', `Invalid keyId '${keyId}'`);
    const arn = `arn:aws:kms:${caller.region}:${caller.principal.account}:key/${keyId}`;
    return new AwsFault('NotFoundException', `Key '${arn}' does not exist`);
  }

  /** The key named by key ID or key ARN (and, with `aliases`, by alias name or alias ARN). */
  #key(caller: Caller, keyId: string, aliases = false): KeyRecord {
    const { account } = caller.principal;
    let record = this.#index.findKey(account, caller.region, keyId);
    if (record === undefined && aliases && (keyId.startsWith('alias/') || keyId.includes(':alias/'))) {
      const alias = this.#index.findAlias(account, caller.region, keyId);
      if (alias === undefined) {
        const arn = keyId.startsWith('arn:') ? keyId : `arn:aws:kms:${caller.region}:${account}:${keyId}`;
        throw new AwsFault('NotFoundException', `Alias ${arn} is not found.`);
      }
      record = this.#index.findKey(account, caller.region, alias.targetKeyId);
    }
    if (record === undefined || record.key.vanishes === true) throw this.#notFound(caller, keyId);
    return record;
  }

  #listKeys(input: Input, caller: Caller): unknown {
    const keys = this.#index.region(caller.principal.account, caller.region).keys;
    const page = paginate(keys, this.#pageSize(input, 100, 1000), optionalString(input, 'Marker'), 'ListKeys');
    if (page === undefined) throw invalidMarker();
    return {
      Keys: page.items.map((record) => ({ KeyId: record.key.keyId, KeyArn: record.arn })),
      Truncated: page.next !== undefined,
      NextMarker: page.next,
    };
  }

  #describeKey(input: Input, caller: Caller): unknown {
    const record = this.#key(caller, requiredString(input, 'KeyId'), true);
    denyUnless(record.key.lockedOut !== true, 'DescribeKey', record, caller);
    const { key } = record;
    const state = key.keyState ?? 'Enabled';
    const spec = key.keySpec ?? 'SYMMETRIC_DEFAULT';
    const pendingDeletion = state === 'PendingDeletion';
    return {
      KeyMetadata: {
        AWSAccountId: record.account,
        KeyId: key.keyId,
        Arn: record.arn,
        CreationDate: record.creationDate,
        Enabled: state === 'Enabled',
        Description: key.description ?? '',
        KeyUsage: key.keyUsage ?? 'ENCRYPT_DECRYPT',
        KeyState: state,
        DeletionDate: pendingDeletion ? record.creationDate + PENDING_DELETION_DAYS * 86400 : undefined,
        PendingDeletionWindowInDays: pendingDeletion ? PENDING_DELETION_DAYS : undefined,
        Origin: 'AWS_KMS',
        KeyManager: key.keyManager ?? 'CUSTOMER',
        CustomerMasterKeySpec: spec,
        KeySpec: spec,
        EncryptionAlgorithms: spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : undefined,
        MultiRegion: key.multiRegion === true,
        MultiRegionConfiguration: key.multiRegion === true ? this.#multiRegionConfiguration(record) : undefined,
      },
    };
  }

  /** Primary and replicas share the key ID across the account's regions. */
  #multiRegionConfiguration(record: KeyRecord): unknown {
    const type = record.key.multiRegionKeyType ?? 'PRIMARY';
    let primary: KeyRecord | undefined;
    const replicas: KeyRecord[] = [];
    for (const region of this.#index.account(record.account)?.regions.values() ?? []) {
      const peer = region.byId.get(record.key.keyId);
      if (peer?.key.multiRegion !== true) continue;
      if ((peer.key.multiRegionKeyType ?? 'PRIMARY') === 'PRIMARY') primary = peer;
      else replicas.push(peer);
    }
    const ref = (key: KeyRecord) => ({ Arn: key.arn, Region: key.region });
    return {
      MultiRegionKeyType: type,
      PrimaryKey: primary === undefined ? undefined : ref(primary),
      ReplicaKeys: replicas.map(ref),
    };
  }

  #policyName(input: Input): void {
    const name = optionalString(input, 'PolicyName') ?? 'default';
    if (name !== 'default') throw new AwsFault('NotFoundException', `No such policy exists: ${name}`);
  }

  #getKeyPolicy(input: Input, caller: Caller): unknown {
    const record = this.#key(caller, requiredString(input, 'KeyId'));
    this.#policyName(input);
    denyUnless(record.key.policyReadable !== false && record.key.lockedOut !== true, 'GetKeyPolicy', record, caller);
    return { Policy: record.policy, PolicyName: 'default' };
  }

  #listGrants(input: Input, caller: Caller): unknown {
    const record = this.#key(caller, requiredString(input, 'KeyId'));
    denyUnless(record.key.grantsReadable !== false && record.key.lockedOut !== true, 'ListGrants', record, caller);
    const grantId = optionalString(input, 'GrantId');
    const grantee = optionalString(input, 'GranteePrincipal');
    const grants =
      grantId === undefined && grantee === undefined
        ? record.grants
        : record.grants.filter(
            (grant) =>
              (grantId === undefined || grant.grantId === grantId) &&
              (grantee === undefined || grant.granteePrincipal === grantee),
          );
    const size = this.#pageSize(input, 50, 100);
    const page = paginate(grants, size, optionalString(input, 'Marker'), `ListGrants:${record.arn}`);
    if (page === undefined) throw invalidMarker();
    return {
      Grants: page.items.map((grant) => grantEntry(record, grant)),
      Truncated: page.next !== undefined,
      NextMarker: page.next,
    };
  }

  #listAliases(input: Input, caller: Caller): unknown {
    const keyId = optionalString(input, 'KeyId');
    const index = this.#index.region(caller.principal.account, caller.region);
    const aliases =
      keyId === undefined ? index.aliases : (index.aliasesByKeyId.get(this.#key(caller, keyId).key.keyId) ?? []);
    const page = paginate(
      aliases,
      this.#pageSize(input, 50, 100),
      optionalString(input, 'Marker'),
      `ListAliases:${keyId}`,
    );
    if (page === undefined) throw invalidMarker();
    return {
      Aliases: page.items.map((alias) => ({
        AliasName: alias.name,
        AliasArn: alias.arn,
        TargetKeyId: alias.targetKeyId,
        CreationDate: alias.creationDate,
        LastUpdatedDate: alias.creationDate,
      })),
      Truncated: page.next !== undefined,
      NextMarker: page.next,
    };
  }

  #putKeyPolicy(input: Input, caller: Caller): unknown {
    const record = this.#key(caller, requiredString(input, 'KeyId'));
    this.#policyName(input);
    const policy = requiredString(input, 'Policy');
    if (record.key.keyManager === 'AWS') {
      throw new AwsFault(
        'AccessDeniedException',
        `User: ${caller.principal.arn} is not authorized to perform: kms:PutKeyPolicy on resource: ${record.arn}`,
      );
    }
    if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
      throw validation('policy', `Member must have length less than or equal to ${MAX_POLICY_BYTES}`, '…');
    }
    const document = jsonObject(policy);
    if (document === undefined) {
      throw new AwsFault('MalformedPolicyDocumentException', 'The policy document is not valid JSON.');
    }
    const named = principalsNamed(document);
    if (
      named.some(
        (p) =>
          /^(AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{12,}$/.test(p) || this.#settings.nonexistentPrincipals?.includes(p),
      )
    ) {
      throw new AwsFault(
        'MalformedPolicyDocumentException',
        'Policy contains a statement with one or more invalid principals.',
      );
    }
    if (input.BypassPolicyLockoutSafetyCheck !== true && !allowsPutKeyPolicy(document, caller)) {
      throw new AwsFault(
        'MalformedPolicyDocumentException',
        'The new key policy will not allow you to update the key policy in the future.',
      );
    }
    record.policy = policy;
    return {};
  }

  #listResourceTags(input: Input, caller: Caller): unknown {
    const record = this.#key(caller, requiredString(input, 'KeyId'));
    const tags = Object.entries(record.key.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    return { Tags: tags, Truncated: false };
  }

  #revokeGrant(input: Input, caller: Caller): unknown {
    const record = this.#key(caller, requiredString(input, 'KeyId'));
    const grantId = requiredString(input, 'GrantId');
    const at = record.grants.findIndex((grant) => grant.grantId === grantId);
    if (at < 0) throw new AwsFault('NotFoundException', `Grant ID ${grantId} not found for key ${record.arn}`);
    record.grants = record.grants.filter((_, i) => i !== at);
    return {};
  }
}

const MAX_POLICY_BYTES = 32_768;

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type RawStatement = { Effect?: unknown; Principal?: unknown; Action?: unknown; Condition?: unknown };

function statementsOf(document: Record<string, unknown>): RawStatement[] {
  const raw = document.Statement;
  return (Array.isArray(raw) ? raw : [raw]).filter((s): s is RawStatement => typeof s === 'object' && s !== null);
}

function listOf(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

function principalsNamed(document: Record<string, unknown>): string[] {
  return statementsOf(document).flatMap((s) =>
    typeof s.Principal === 'object' && s.Principal !== null ? Object.values(s.Principal).flatMap(listOf) : [],
  );
}

/**
 * KMS's lockout safety check, as the sandbox plays it: the new policy must let the caller (its own ARN, its role's,
 * its account's root or ID, or everyone) call kms:PutKeyPolicy again, through an Allow statement.
 */
function allowsPutKeyPolicy(document: Record<string, unknown>, caller: Caller): boolean {
  const account = caller.principal.account;
  const who = new Set([caller.principal.arn, account, `arn:aws:iam::${account}:root`]);
  const role = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.principal.arn);
  if (role !== null) who.add(`arn:aws:iam::${role[1]}:role/${role[2]}`);
  return statementsOf(document).some((s) => {
    if (s.Effect !== 'Allow') return false;
    const principals =
      s.Principal === '*'
        ? ['*']
        : typeof s.Principal === 'object' && s.Principal !== null
          ? listOf((s.Principal as Record<string, unknown>).AWS)
          : [];
    const actions = listOf(s.Action);
    return (
      principals.some((p) => p === '*' || who.has(p)) &&
      actions.some((a) => a === '*' || a === 'kms:*' || a.toLowerCase() === 'kms:putkeypolicy' || a === 'kms:Put*')
    );
  });
}

function grantEntry(record: KeyRecord, grant: WorldGrant): unknown {
  return {
    KeyId: record.arn,
    GrantId: grant.grantId,
    Name: grant.name,
    CreationDate: epochSeconds(grant.creationDate),
    GranteePrincipal: grant.granteePrincipal,
    RetiringPrincipal: grant.retiringPrincipal,
    IssuingAccount: rootArn(grant.issuingAccount ?? record.account),
    Operations: grant.operations,
    Constraints: grant.constraints,
  };
}

/** What KMS answers when the key policy does not allow the caller an action. */
function denyUnless(allowed: boolean, action: string, record: KeyRecord, caller: Caller): void {
  if (allowed) return;
  throw new AwsFault(
    'AccessDeniedException',
    `User: ${caller.principal.arn} is not authorized to perform: kms:${action} on resource: ${record.arn} ` +
      `because no resource-based policy allows the kms:${action} action`,
  );
}
