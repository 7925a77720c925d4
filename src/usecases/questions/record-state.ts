import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Blind, Exposure } from '../../core/questions/exposures.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import { parseTrustEntry, type TrustEntry } from '../../core/trust.js';
import type { FindingStatus, RecordReader, StoredFinding } from '../store-port.js';

/** A finding's state as a question shows it beside a way in. */
export interface FindingState {
  readonly fingerprint: string;
  readonly status: FindingStatus;
  readonly firstSeen: string;
  readonly ackBy: string | null;
  readonly ackReason: string | null;
  readonly ackUntil: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedCause: string | null;
}

/** A way into a key, with its finding's state when the record has one. */
export interface ExposureState extends Exposure {
  readonly finding: FindingState | null;
}

/** A scan, as a question says how old the record is. */
export interface ScanMoment {
  readonly id: string;
  readonly finishedAt: string;
  readonly complete: boolean;
}

/** How old the record is: its latest scan, and its latest complete one (null: none among the latest scans). */
export interface RecordAge {
  readonly lastScan: ScanMoment | null;
  readonly lastCompleteScan: ScanMoment | null;
}

/** How many of the latest scans are looked through for a complete one. */
const SCANS_LOOKED_AT = 50;
/** Keys judged between two turns of the event loop (each is parsed and judged twice). */
const KEYS_PER_TURN = 100;

export function recordAge(reader: Pick<RecordReader, 'scans'>): RecordAge {
  const scans = reader.scans(SCANS_LOOKED_AT);
  const moment = (s: (typeof scans)[number] | undefined): ScanMoment | null =>
    s === undefined ? null : { id: s.id, finishedAt: s.finishedAt, complete: s.complete };
  return { lastScan: moment(scans[0]), lastCompleteScan: moment(scans.find((s) => s.complete)) };
}

export function trustedNow(reader: Pick<RecordReader, 'listTrust'>): TrustEntry[] {
  return reader.listTrust().map((r) => parseTrustEntry(r.entry));
}

/** The finding an exposure has in the record, as of `now` (an acknowledgement whose end has passed is open). */
export function findingState(
  reader: Pick<RecordReader, 'finding'>,
  fingerprint: string,
  now: Date,
): FindingState | null {
  const f = reader.finding(fingerprint);
  return f === undefined ? null : stateOf(f, now);
}

export function stateOf(f: StoredFinding, now: Date): FindingState {
  const ended = f.status === 'acknowledged' && f.ackUntil !== null && Date.parse(f.ackUntil) <= now.getTime();
  return {
    fingerprint: f.fingerprint,
    status: ended ? 'open' : f.status,
    firstSeen: f.firstSeen,
    ackBy: f.ackBy,
    ackReason: f.ackReason,
    ackUntil: f.ackUntil,
    resolvedAt: f.resolvedAt,
    resolvedCause: f.resolvedCause,
  };
}

/** What the record's unresolved items about whole keys say it cannot see, by key ARN. */
export function itemBlindness(items: readonly StoredFinding[]): Map<string, Blind[]> {
  const byKey = new Map<string, Blind[]>();
  for (const item of items) {
    const blind: Blind | undefined =
      item.kind === 'unreadable' ? 'shut-out' : item.kind === 'analysis-error' ? 'not-judged' : undefined;
    if (blind === undefined) continue;
    byKey.set(item.keyArn, [...(byKey.get(item.keyArn) ?? []), blind]);
  }
  return byKey;
}

/** Everything unknown about a key: from judging it, and from the record's items (a never-read policy says it all). */
export function blindOf(fromJudging: readonly Blind[], fromItems: readonly Blind[] | undefined): Blind[] {
  const all = new Set([...fromJudging, ...(fromItems ?? [])]);
  if (all.has('policy-unread') || all.has('never-read')) all.delete('shut-out');
  return [...all];
}

/** A key the record knows only from its items: the scanner never read it, so nothing else is known. */
export function unreadKey(item: StoredFinding): KeySnapshot {
  return {
    accountId: item.accountId,
    region: item.region,
    keyId: item.keyId,
    keyArn: item.keyArn,
    aliases: item.aliases,
    keyState: item.keyState,
    multiRegion: false,
    multiRegionKeyType: null,
    policy: null,
    grants: null,
    ...(item.stack ? { stack: item.stack } : {}),
  };
}

/** Every stored key, handing the event loop back now and then: judging a large record must not stall a bot. */
export async function* keysInTurns(reader: Pick<RecordReader, 'storedKeys'>): AsyncIterable<KeySnapshot> {
  let n = 0;
  for (const key of reader.storedKeys()) {
    yield key;
    if (++n % KEYS_PER_TURN === 0) await nextTurn();
  }
}
