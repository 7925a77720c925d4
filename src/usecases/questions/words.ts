import { ageOf } from '../../core/questions/age.js';
import { BLIND_REASONS, type Blind } from '../../core/questions/exposures.js';
import type { HistoryEvent } from '../../core/questions/history.js';
import { type Party, partyName, type Reach } from '../../core/questions/party.js';
import type { FindingKind } from '../../core/scan/types.js';
import type { FindingState, RecordAge } from './record-state.js';

/** The words both front ends use for the answers to `who` and `key`; each adds its own formatting. */

export function partyWords(party: Party): string {
  const name = partyName(party);
  return party.kind === 'account' ? `account ${name}` : party.kind === 'organization' ? `organization ${name}` : name;
}

/** What a way in adds about how it reaches the party (nothing when it names the party itself). */
export function reachWords(reach: Reach, party: Party, kind?: FindingKind): string {
  switch (reach) {
    case 'anyone':
      return 'anyone';
    case 'account':
      return 'its whole account: IAM there decides who';
    case 'member':
      if (party.kind !== 'account') return kind === 'principal-pattern' ? 'a pattern that matches it' : 'covers it';
      return kind === 'principal-pattern' ? 'those of its principals that match' : 'one of its principals';
    case 'if-member':
      return 'if a member of it';
    default:
      return '';
  }
}

export function blindWords(blind: readonly Blind[]): string {
  return blind.map((b) => BLIND_REASONS[b]).join('; ');
}

/** How old the record is, in one sentence. */
export function recordAgeWords(age: RecordAge, now: Date): string {
  const complete = age.lastCompleteScan;
  const last = age.lastScan;
  if (last === null) return 'The record holds no scan yet: run a scan first.';
  const completeText =
    complete === null
      ? 'no complete scan among the latest'
      : `last complete scan ${complete.id} finished ${complete.finishedAt} (${ageOf(complete.finishedAt, now)})`;
  const lastText =
    complete !== null && complete.id === last.id
      ? ''
      : `; latest scan ${last.id} (${last.complete ? 'complete' : 'incomplete'}) finished ${last.finishedAt} (${ageOf(last.finishedAt, now)})`;
  return `From the record, no AWS call: ${completeText}${lastText}.`;
}

/** A finding's state in a few words (without who acknowledged it: each front end names people its own way). */
export function stateWords(finding: FindingState | null, trusted: boolean): string {
  if (trusted) return 'trusted';
  if (finding === null) return 'not in the record yet';
  if (finding.status === 'acknowledged') {
    return `acknowledged${finding.ackUntil === null ? '' : ` until ${finding.ackUntil}`}`;
  }
  if (finding.status === 'resolved') return `resolved${finding.resolvedCause ? ` (${finding.resolvedCause})` : ''}`;
  return 'open';
}

export const HISTORY_WORDS: Readonly<Record<HistoryEvent, string>> = {
  opened: 'opened',
  acknowledged: 'acknowledged',
  'acknowledgement-expired': 'acknowledgement expired',
  escalated: 'escalated',
  resolved: 'resolved',
  reopened: 'reopened',
  'remediation-started': 'remediation started',
  remediated: 'remediated',
  'remediation-failed': 'remediation failed',
  'undo-started': 'undo started',
  undone: 'remediation undone',
  'undo-not-done': 'undo not done',
  'claim-taken-over': 'remediation claim taken over',
  refused: 'refused',
  other: 'recorded',
};
