import type { World, WorldAccount, WorldGrant, WorldKey } from './world.js';

/** How KMS in one account+region behaves. */
export type RegionStatus = 'enabled' | 'disabled' | 'denied' | 'hanging';

/** A key as the sandbox serves it: the world's description plus the state mutations change. */
export interface KeyRecord {
  readonly account: string;
  readonly region: string;
  readonly key: WorldKey;
  readonly arn: string;
  /** Epoch seconds. */
  readonly creationDate: number;
  policy: string;
  grants: WorldGrant[];
}

export interface AliasRecord {
  readonly name: string;
  readonly arn: string;
  readonly targetKeyId: string;
  /** Epoch seconds. */
  readonly creationDate: number;
}

export interface RegionIndex {
  readonly keys: readonly KeyRecord[];
  readonly byId: ReadonlyMap<string, KeyRecord>;
  readonly aliases: readonly AliasRecord[];
  readonly aliasesByKeyId: ReadonlyMap<string, readonly AliasRecord[]>;
  readonly aliasByName: ReadonlyMap<string, AliasRecord>;
}

export interface AccountIndex {
  readonly account: WorldAccount;
  readonly roles: ReadonlyMap<string, { externalId?: string }>;
  readonly regions: ReadonlyMap<string, RegionIndex>;
  readonly statuses: ReadonlyMap<string, RegionStatus>;
}

const DEFAULT_CREATION_DATE = '2024-01-01T00:00:00Z';
const EMPTY_REGION: RegionIndex = {
  keys: [],
  byId: new Map(),
  aliases: [],
  aliasesByKeyId: new Map(),
  aliasByName: new Map(),
};

export function epochSeconds(iso: string | undefined): number {
  return Date.parse(iso ?? DEFAULT_CREATION_DATE) / 1000;
}

function indexRegion(account: string, region: string, keys: readonly WorldKey[]): RegionIndex {
  const records: KeyRecord[] = [];
  const byId = new Map<string, KeyRecord>();
  const aliases: AliasRecord[] = [];
  const aliasesByKeyId = new Map<string, AliasRecord[]>();
  const aliasByName = new Map<string, AliasRecord>();
  for (const key of keys) {
    const record: KeyRecord = {
      account,
      region,
      key,
      arn: `arn:aws:kms:${region}:${account}:key/${key.keyId}`,
      creationDate: epochSeconds(key.creationDate),
      policy: key.policy,
      grants: [...(key.grants ?? [])],
    };
    records.push(record);
    byId.set(key.keyId, record);
    const own: AliasRecord[] = [];
    for (const given of key.aliases ?? []) {
      const name = given.startsWith('alias/') ? given : `alias/${given}`;
      const alias = {
        name,
        arn: `arn:aws:kms:${region}:${account}:${name}`,
        targetKeyId: key.keyId,
        creationDate: record.creationDate,
      };
      aliases.push(alias);
      own.push(alias);
      aliasByName.set(name, alias);
    }
    aliasesByKeyId.set(key.keyId, own);
  }
  aliases.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { keys: records, byId, aliases, aliasesByKeyId, aliasByName };
}

function indexAccount(account: WorldAccount): AccountIndex {
  const regions = new Map<string, RegionIndex>();
  for (const region of account.regions) regions.set(region.name, indexRegion(account.id, region.name, region.keys));
  const statuses = new Map<string, RegionStatus>();
  const mark = (names: readonly string[] | undefined, status: RegionStatus) => {
    for (const name of names ?? []) if (!statuses.has(name)) statuses.set(name, status);
  };
  mark(account.disabledRegions, 'disabled');
  mark(account.hangingRegions, 'hanging');
  mark(account.deniedRegions, 'denied');
  const roles = new Map((account.roles ?? []).map((role) => [role.name, role]));
  return { account, roles, regions, statuses };
}

/** The world, indexed by account, region and key ID so that every request is O(1) in the size of the world. */
export class WorldIndex {
  readonly world: World;
  readonly #accounts = new Map<string, AccountIndex>();

  constructor(world: World) {
    this.world = world;
    for (const account of world.accounts) this.#accounts.set(account.id, indexAccount(account));
  }

  account(id: string): AccountIndex | undefined {
    return this.#accounts.get(id);
  }

  accounts(): IterableIterator<AccountIndex> {
    return this.#accounts.values();
  }

  region(account: string, region: string): RegionIndex {
    return this.#accounts.get(account)?.regions.get(region) ?? EMPTY_REGION;
  }

  regionStatus(account: string, region: string): RegionStatus {
    return this.#accounts.get(account)?.statuses.get(region) ?? 'enabled';
  }

  /** A key of this account+region named by key ID or key ARN; keys of other accounts and regions are not found. */
  findKey(account: string, region: string, keyIdOrArn: string): KeyRecord | undefined {
    const index = this.region(account, region);
    if (!keyIdOrArn.startsWith('arn:')) return index.byId.get(keyIdOrArn);
    const record = index.byId.get(keyIdOrArn.slice(keyIdOrArn.lastIndexOf('/') + 1));
    return record?.arn === keyIdOrArn ? record : undefined;
  }

  /** An alias of this account+region named by alias name (`alias/x`) or alias ARN. */
  findAlias(account: string, region: string, nameOrArn: string): AliasRecord | undefined {
    const index = this.region(account, region);
    if (!nameOrArn.startsWith('arn:')) return index.aliasByName.get(nameOrArn);
    const alias = index.aliasByName.get(nameOrArn.slice(nameOrArn.indexOf(':alias/') + 1));
    return alias?.arn === nameOrArn ? alias : undefined;
  }
}
