import { safe } from '../../core/printable.js';
import { ageOf } from '../../core/questions/age.js';
import type { HistoryEntry } from '../../core/questions/history.js';
import type { KeyFinding } from '../../core/scan/types.js';
import type { KeyAnswer, KeyFindingRecord, KeyReport } from '../../usecases/questions/key.js';
import type { ExposureState } from '../../usecases/questions/record-state.js';
import type { BlindKey, WhoAnswer, WhoWay } from '../../usecases/questions/who.js';
import {
  blindWords,
  HISTORY_WORDS,
  partyWords,
  reachWords,
  recordAgeWords,
  stateWords,
} from '../../usecases/questions/words.js';
import { describePrincipal } from './finding-text.js';

/** `who` as text: the party, how old the record is, its keys by account and region, worst first. */
export function whoText(a: WhoAnswer, now: Date): string {
  const party = partyWords(a.party);
  const trust = a.trustedAs.length === 0 ? 'not on the trust list' : `trusted (${a.trustedAs.join(', ')})`;
  const out = [safe`Who is ${party}: ${trust}.`, recordAgeWords(a.record, now), ''];
  const trustedWays = a.places.reduce((n, p) => n + p.ways.filter((w) => w.trusted).length, 0);
  if (a.ways === 0) {
    const known = a.blindKeys.length === 0 ? 'lets' : 'is known to let';
    out.push(safe`No key in the record (${a.keysInRecord} keys) ${known} ${party} in.`);
  } else {
    out.push(
      safe`${party} can use ${a.keys} key${a.keys === 1 ? '' : 's'}, ${a.ways} way${a.ways === 1 ? '' : 's'} in (${trustedWays} trusted):`,
    );
    for (const place of a.places) {
      out.push('', safe`${place.accountId} ${place.region}`);
      for (const way of place.ways) out.push(`  ${wayLine(way, a)}`);
    }
  }
  if (a.ifMember.length > 0) {
    out.push(
      '',
      safe`Only if ${party} belongs to the organization named (the record does not know who belongs to which):`,
    );
    for (const way of a.ifMember) out.push(`  ${wayLine(way, a, true)}`);
  }
  if (a.blindKeys.length > 0) {
    out.push('', 'Keys the record cannot fully tell about (they may let it in too):');
    for (const key of a.blindKeys) out.push(`  ${blindLine(key)}`);
  }
  return `${out.join('\n')}\n`;
}

function wayLine(way: WhoWay, a: WhoAnswer, withPlace = false): string {
  const reach = reachWords(way.reach, a.party, way.kind);
  const where = withPlace ? safe`${way.accountId} ${way.region} ` : '';
  return (
    `${way.severity.toUpperCase().padEnd(8)}  ${where}${keyName(way)}  ` +
    safe`${describePrincipal(way)}${reach === '' ? '' : ` (${reach})`}  via ${via(way)}  ${actions(way)}  ${state(way)}`
  );
}

function blindLine(key: BlindKey): string {
  return safe`${key.accountId} ${key.region} ${keyName(key)}: ${blindWords(key.blind)}`;
}

/** `key` as text: each key the reference names, with its ways in, findings, history and remediations. */
export function keyText(a: KeyAnswer, now: Date): string {
  const reports = a.keys.map((k) => reportText(k, now));
  const many = a.keys.length > 1 ? safe`${a.reference.text} names ${a.keys.length} keys in the record.\n\n` : '';
  return `${many}${reports.join('\n')}`;
}

function reportText(k: KeyReport, now: Date): string {
  const aliases = k.aliases.length === 0 ? '' : safe` (${k.aliases.join(', ')})`;
  const stack = k.stack === null ? '' : safe`, CloudFormation stack ${k.stack}`;
  const out = [
    safe`Key ${k.keyArn}${aliases}`,
    safe`  account ${k.accountId}, region ${k.region}, ${k.keyState}${stack}`,
    k.readAt === null ? '  last read: not known' : safe`  last read ${k.readAt} (${ageOf(k.readAt, now)})`,
  ];
  if (k.blind.length > 0) out.push(safe`  not fully known: ${blindWords(k.blind)}`);
  out.push('');
  if (k.exposures.length === 0) {
    out.push(
      k.blind.length === 0
        ? safe`Nobody outside account ${k.accountId} can use it.`
        : safe`No way in from outside account ${k.accountId} is known: the record cannot fully tell (see above).`,
    );
  } else {
    const trusted = k.exposures.filter((e) => e.trusted).length;
    out.push(
      safe`Outside account ${k.accountId}, ${k.exposures.length} way${k.exposures.length === 1 ? '' : 's'} in (${trusted} trusted):`,
    );
    for (const e of k.exposures) out.push(`  ${exposureLine(e)}`);
  }
  out.push('', k.findings.length === 0 ? 'No findings on record.' : `Findings (${k.findings.length}):`);
  for (const f of k.findings) out.push(`  ${findingLine(f)}`);
  if (k.history.length > 0) {
    const left = k.historyLeftOut > 0 ? `, the latest ${k.history.length}; ${k.historyLeftOut} older left out` : '';
    out.push('', `History (oldest first${left}):`);
    const byFingerprint = new Map(k.findings.map((f) => [f.fingerprint, f]));
    for (const h of k.history) out.push(`  ${historyLine(h, byFingerprint)}`);
  }
  if (k.remediations.length > 0) {
    out.push('', `Remediations (${k.remediations.length}):`);
    for (const r of k.remediations) {
      const changed = [
        r.policyChanged ? 'key policy rewritten' : '',
        r.revoked.length > 0 ? `${r.revoked.length} grant(s) revoked` : '',
      ]
        .filter((x) => x !== '')
        .join(', ');
      const undone = r.undoneBy === null ? '' : safe`; undone by ${r.undoneBy}`;
      out.push(
        safe`  ${r.id}  ${r.status}  by ${r.actor} ${r.startedAt}${r.finishedAt === null ? '' : ` to ${r.finishedAt}`}: ${r.reason}` +
          `${changed === '' ? '' : ` (${changed})`}${undone}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function exposureLine(e: ExposureState): string {
  const fingerprint = e.finding === null ? '' : `  finding ${e.finding.fingerprint}`;
  return (
    `${e.severity.toUpperCase().padEnd(8)}  ` +
    safe`${describePrincipal(e)}${e.public ? ' (anyone)' : ''}  via ${via(e)}  ${actions(e)}  ${state(e)}` +
    fingerprint
  );
}

function findingLine(f: KeyFindingRecord): string {
  const status =
    f.status === 'acknowledged'
      ? safe`acknowledged by ${f.ackBy}${f.ackUntil === null ? '' : ` until ${f.ackUntil}`}`
      : f.status === 'resolved'
        ? safe`resolved ${f.resolvedAt}: ${f.resolvedCause}`
        : 'open';
  return (
    safe`${f.fingerprint}  ${f.severity.toUpperCase().padEnd(8)}  ${describePrincipal(f)} via ${via(f)}  ${status}  ` +
    safe`(first seen ${f.firstSeen}, last seen ${f.lastSeen}, seen ${f.timesSeen}x)`
  );
}

function historyLine(h: HistoryEntry, findings: ReadonlyMap<string, KeyFindingRecord>): string {
  const finding = h.fingerprint === null ? undefined : findings.get(h.fingerprint);
  const about =
    finding !== undefined
      ? safe`  ${describePrincipal(finding)} via ${via(finding)}`
      : h.remediation !== null
        ? safe`  remediation ${h.remediation}`
        : '';
  return safe`${h.at}  ${h.actor}  ${HISTORY_WORDS[h.event]}` + about + (h.detail === null ? '' : safe`: ${h.detail}`);
}

function keyName(key: { aliases: readonly string[]; keyId: string }): string {
  return key.aliases.length === 0 ? safe`${key.keyId}` : safe`${key.aliases[0]} (${key.keyId})`;
}

function via(f: Pick<KeyFinding, 'source' | 'statement' | 'grantId'>): string {
  if (f.source === 'grant') return safe`grant ${f.grantId}`;
  if (f.source === 'key') return 'the key as a whole';
  return f.statement === null ? 'the key policy' : safe`statement "${f.statement}"`;
}

function actions(f: Pick<KeyFinding, 'actions'>): string {
  return f.actions.length === 0 ? '-' : safe`${f.actions.join(', ')}`;
}

function state(e: ExposureState): string {
  const words = stateWords(e.finding, e.trusted);
  return e.finding?.status === 'acknowledged' && !e.trusted ? safe`${words} (by ${e.finding.ackBy})` : safe`${words}`;
}
