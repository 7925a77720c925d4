import type { KmsChange } from './cloudtrail.js';
import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import { denyUnless, grantEntry } from './kms-answers.js';
import { type Input, invalidMarker, limit, optionalString, requiredString } from './kms-input.js';
import { assertPolicyAccepted } from './kms-policy-checks.js';
import { type PageSizes, pageSize, paginate } from './pagination.js';
import type { RateLimiter } from './rate-limiter.js';
import { HANG } from './reply.js';
import type { KmsOperation } from './world.js';
import type { KeyRecord, WorldIndex } from './world-index.js';

type Handler = (input: Input, caller: Caller) => unknown;

export interface KmsSettings extends PageSizes {
  readonly quotas?: Partial<Record<KmsOperation, number>> | undefined;
  readonly nonexistentPrincipals?: readonly string[] | undefined;
}

const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const PENDING_DELETION_DAYS = 30;

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
  /** Told of each change a call carried out (the sandbox turns it into a CloudTrail event when asked to). */
  onChange: ((change: KmsChange) => void) | undefined;
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
    assertPolicyAccepted(policy, input.BypassPolicyLockoutSafetyCheck === true, caller, this.#settings);
    record.policy = policy;
    this.onChange?.({
      eventName: 'PutKeyPolicy',
      account: record.account,
      region: record.region,
      keyArn: record.arn,
      callerArn: caller.principal.arn,
      requestParameters: {
        keyId: requiredString(input, 'KeyId'),
        policyName: 'default',
        policy,
        bypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck === true,
      },
      responseElements: null,
    });
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
    this.onChange?.({
      eventName: 'RevokeGrant',
      account: record.account,
      region: record.region,
      keyArn: record.arn,
      callerArn: caller.principal.arn,
      requestParameters: { keyId: requiredString(input, 'KeyId'), grantId },
      responseElements: null,
    });
    return {};
  }
}
