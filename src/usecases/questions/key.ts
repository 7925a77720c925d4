import { SentinelError } from '../../core/errors.js';
import { type Blind, exposuresOf } from '../../core/questions/exposures.js';
import { type HistoryEntry, historyOf } from '../../core/questions/history.js';
import { type KeyReference, refersTo } from '../../core/questions/key-reference.js';
import type { KeySnapshot } from '../../core/scan/types.js';
import type { RecordReader, RemediationRecord, StoredFinding } from '../store-port.js';
import {
  blindOf,
  type ExposureState,
  findingState,
  itemBlindness,
  keysInTurns,
  type RecordAge,
  recordAge,
  trustedNow,
  unreadKey,
} from './record-state.js';

/** How many audit rows of one key a question reads (the latest; older ones are counted). */
export const HISTORY_LIMIT = 1000;

/** A finding of the key, whatever its status now. */
export type KeyFindingRecord = Pick<
  StoredFinding,
  | 'fingerprint'
  | 'kind'
  | 'principal'
  | 'source'
  | 'statement'
  | 'grantId'
  | 'actions'
  | 'severity'
  | 'status'
  | 'firstSeen'
  | 'lastSeen'
  | 'timesSeen'
  | 'ackBy'
  | 'ackReason'
  | 'ackUntil'
  | 'resolvedAt'
  | 'resolvedCause'
>;

export interface KeyRemediation {
  readonly id: string;
  readonly status: RemediationRecord['status'];
  readonly actor: string;
  readonly reason: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly revoked: readonly string[];
  readonly policyChanged: boolean;
  readonly undoneBy: string | null;
}

export interface KeyReport {
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly aliases: readonly string[];
  readonly keyState: string;
  readonly stack: string | null;
  /** When the key was last read (null: not known). */
  readonly readAt: string | null;
  /** Every principal outside the key's account that can use it, trusted or not, worst first. */
  readonly exposures: readonly ExposureState[];
  /** What the record cannot tell about the key (empty: it was read and judged in full). */
  readonly blind: readonly Blind[];
  /** Every finding the key has had, worst first. */
  readonly findings: readonly KeyFindingRecord[];
  /** What happened to the key and its findings, oldest first: the latest HISTORY_LIMIT entries. */
  readonly history: readonly HistoryEntry[];
  /** Older entries left out of `history`. */
  readonly historyLeftOut: number;
  readonly remediations: readonly KeyRemediation[];
}

export interface KeyAnswer {
  readonly reference: KeyReference;
  readonly record: RecordAge;
  /** The keys the reference names: one, or more for an alias or a multi-Region key ID found in several places. */
  readonly keys: readonly KeyReport[];
}

type KeyReader = Pick<
  RecordReader,
  'storedKey' | 'storedKeys' | 'listTrust' | 'finding' | 'scans' | 'keyHistory' | 'keyItems'
>;

/** One key from the record: who outside its account can use it and how, its findings and their history. */
export async function describeKey(reader: KeyReader, reference: KeyReference, now: Date): Promise<KeyAnswer> {
  const keys = await keysNamed(reader, reference);
  if (keys.length === 0) {
    throw new SentinelError(
      'not-found',
      `no key in the record is ${reference.text}: the record holds the customer-managed keys the scans read (a key created since the last scan, or outside the configured accounts and regions, is not there; a deleted key is forgotten)`,
    );
  }
  const trusted = trustedNow(reader);
  return {
    reference,
    record: recordAge(reader),
    keys: keys.map((named) => reportOf(reader, named, trusted, now)),
  };
}

/** The keys the reference names: stored ones, and those only the record's items know (the scanner never read them). */
async function keysNamed(reader: KeyReader, reference: KeyReference): Promise<NamedKey[]> {
  const keys: NamedKey[] = [];
  if (reference.kind === 'arn') {
    const key = reader.storedKey(reference.keyArn);
    if (key !== undefined) keys.push({ key, read: true });
  } else {
    for await (const key of keysInTurns(reader)) if (refersTo(reference, key)) keys.push({ key, read: true });
  }
  const known = new Set(keys.map((k) => k.key.keyArn));
  for (const item of reader.keyItems()) {
    if (item.kind !== 'unreadable' || known.has(item.keyArn) || !refersTo(reference, item)) continue;
    if (reader.storedKey(item.keyArn) !== undefined) continue;
    known.add(item.keyArn);
    keys.push({ key: unreadKey(item), read: false });
  }
  return keys;
}

interface NamedKey {
  readonly key: KeySnapshot;
  /** False: the record knows the key only from its `unreadable` item. */
  readonly read: boolean;
}

function reportOf(
  reader: KeyReader,
  { key, read }: NamedKey,
  trusted: ReturnType<typeof trustedNow>,
  now: Date,
): KeyReport {
  const stored = reader.keyHistory(key.keyArn, HISTORY_LIMIT, now);
  const items = itemBlindness(stored.findings.filter((f) => f.source === 'key' && f.status !== 'resolved'));
  const { exposures, blind } = read ? exposuresOf(key, trusted) : { exposures: [], blind: ['never-read' as const] };
  return {
    keyArn: key.keyArn,
    accountId: key.accountId,
    region: key.region,
    keyId: key.keyId,
    aliases: key.aliases,
    keyState: key.keyState,
    stack: key.stack ?? null,
    readAt: stored.readAt,
    exposures: exposures.map((e) => ({ ...e, finding: findingState(reader, e.fingerprint, now) })),
    blind: blindOf(blind, items.get(key.keyArn)),
    findings: stored.findings.map(findingRecord),
    history: historyOf(stored.audit, key.keyArn),
    historyLeftOut: Math.max(0, stored.auditTotal - stored.audit.length),
    remediations: stored.remediations.map((r) => ({
      id: r.id,
      status: r.status,
      actor: r.actor,
      reason: r.reason,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      revoked: r.revoked,
      policyChanged: r.writtenPolicy !== null,
      undoneBy: r.status === 'undone' ? (r.undo?.actor ?? null) : null,
    })),
  };
}

function findingRecord(f: StoredFinding): KeyFindingRecord {
  return {
    fingerprint: f.fingerprint,
    kind: f.kind,
    principal: f.principal,
    source: f.source,
    statement: f.statement,
    grantId: f.grantId,
    actions: f.actions,
    severity: f.severity,
    status: f.status,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    timesSeen: f.timesSeen,
    ackBy: f.ackBy,
    ackReason: f.ackReason,
    ackUntil: f.ackUntil,
    resolvedAt: f.resolvedAt,
    resolvedCause: f.resolvedCause,
  };
}
