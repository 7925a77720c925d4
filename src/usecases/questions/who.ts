import { compareSeverity } from '../../core/policy/actions.js';
import { type Blind, exposuresOf } from '../../core/questions/exposures.js';
import { type Party, type Reach, reachOf } from '../../core/questions/party.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { TrustEntry } from '../../core/trust.js';
import type { RecordReader, StoredFinding } from '../store-port.js';
import {
  blindOf,
  type ExposureState,
  findingState,
  itemBlindness,
  keysInTurns,
  type RecordAge,
  recordAge,
  trustedNow,
} from './record-state.js';

/** One way the party gets into a key, and how it reaches the party. */
export interface WhoWay extends ExposureState {
  readonly reach: Reach;
}

/** The ways in of one account and region, worst first. */
export interface WhoPlace {
  readonly accountId: string;
  readonly region: string;
  readonly ways: readonly WhoWay[];
}

/** A key the record cannot fully tell about: it may let the party in too. */
export interface BlindKey {
  readonly accountId: string;
  readonly region: string;
  readonly keyArn: string;
  readonly keyId: string;
  readonly aliases: readonly string[];
  readonly blind: readonly Blind[];
}

export interface WhoAnswer {
  readonly party: Party;
  /** The trust-list entries that cover the party as a whole (empty: it is not trusted, or only in part). */
  readonly trustedAs: readonly string[];
  readonly record: RecordAge;
  /** How many keys the record holds (all were looked at). */
  readonly keysInRecord: number;
  /** Every key the party can use, by account and region, the worst place first. */
  readonly places: readonly WhoPlace[];
  /** How many ways in `places` holds, and across how many keys. */
  readonly ways: number;
  readonly keys: number;
  /** Ways in only if the party belongs to an organization a statement is confined to (the record cannot tell). */
  readonly ifMember: readonly WhoWay[];
  readonly blindKeys: readonly BlindKey[];
}

type WhoReader = Pick<RecordReader, 'storedKeys' | 'listTrust' | 'finding' | 'scans' | 'keyItems'>;

/**
 * Blast radius: every key the party can use, trusted or not, from the record alone (no AWS call). Each stored key
 * is judged against an empty trust list (every way in from outside its account) and against the current one (which
 * of them are trusted).
 */
export async function whoCanUse(reader: WhoReader, party: Party, now: Date): Promise<WhoAnswer> {
  const trusted = trustedNow(reader);
  const found: WhoWay[] = [];
  const ifMember: WhoWay[] = [];
  const blindKeys: BlindKey[] = [];
  const items = reader.keyItems();
  const itemsBlind = itemBlindness(items);
  const stored = new Set<string>();
  let keysInRecord = 0;
  for await (const key of keysInTurns(reader)) {
    keysInRecord++;
    stored.add(key.keyArn);
    const { exposures, blind } = exposuresOf(key, trusted);
    for (const exposure of exposures) {
      const reach = reachOf(party, exposure);
      if (reach === undefined) continue;
      const way = { ...exposure, reach, finding: findingState(reader, exposure.fingerprint, now) };
      (reach === 'if-member' ? ifMember : found).push(way);
    }
    const all = blindOf(blind, itemsBlind.get(key.keyArn));
    if (all.length > 0) blindKeys.push(blindKey(key, all));
  }
  for (const item of items) {
    if (stored.has(item.keyArn)) continue;
    stored.add(item.keyArn);
    blindKeys.push(blindKey(item, ['never-read']));
  }
  const places = placesOf(found);
  return {
    party,
    trustedAs: trustedAs(party, trusted),
    record: recordAge(reader),
    keysInRecord,
    places,
    ways: found.length,
    keys: new Set(found.map((w) => w.keyArn)).size,
    ifMember: ifMember.sort(compareWays),
    blindKeys: blindKeys.sort(
      (a, b) => cmp(a.accountId, b.accountId) || cmp(a.region, b.region) || cmp(a.keyArn, b.keyArn),
    ),
  };
}

function blindKey(key: BlindKey | KeySnapshot | StoredFinding, blind: Blind[]): BlindKey {
  const { accountId, region, keyArn, keyId, aliases } = key;
  return { accountId, region, keyArn, keyId, aliases, blind };
}

function placesOf(ways: WhoWay[]): WhoPlace[] {
  const byPlace = new Map<string, WhoWay[]>();
  for (const way of ways) {
    const id = `${way.accountId}/${way.region}`;
    const list = byPlace.get(id);
    if (list === undefined) byPlace.set(id, [way]);
    else list.push(way);
  }
  return [...byPlace.values()]
    .map((list) => list.sort(compareWays))
    .map((list) => ({ accountId: list[0]?.accountId ?? '', region: list[0]?.region ?? '', ways: list }))
    .sort(
      (a, b) =>
        compareSeverity(a.ways[0]?.severity ?? 'low', b.ways[0]?.severity ?? 'low') ||
        untrustedCount(b) - untrustedCount(a) ||
        cmp(a.accountId, b.accountId) ||
        cmp(a.region, b.region),
    );
}

/** Worst first, the untrusted before the trusted, then by key and principal. */
function compareWays(a: WhoWay, b: WhoWay): number {
  return (
    compareSeverity(a.severity, b.severity) ||
    Number(a.trusted) - Number(b.trusted) ||
    cmp(a.aliases[0] ?? a.keyArn, b.aliases[0] ?? b.keyArn) ||
    cmp(a.keyArn, b.keyArn) ||
    cmp(a.principal, b.principal) ||
    cmp(a.statement ?? a.grantId ?? '', b.statement ?? b.grantId ?? '')
  );
}

const untrustedCount = (p: WhoPlace) => p.ways.filter((w) => !w.trusted).length;

/** The trust-list entries that cover the party as a whole. */
function trustedAs(party: Party, trusted: readonly TrustEntry[]): string[] {
  return trusted
    .filter((e) => {
      if (party.kind === 'organization') return e.kind === 'organization' && e.organization === party.organization;
      if (e.kind === 'account') return e.account === party.account;
      return party.kind === 'principal' && e.kind === 'principal' && e.arn === party.arn;
    })
    .map((e) => e.text);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
