import type { RecordedFinding } from './types.js';

/** How the access is given, for people: `policy statement "Sid"`, `grant ID`, `the key`. */
export function viaText(f: Pick<RecordedFinding, 'source' | 'statement' | 'grantId'>): string {
  if (f.source === 'grant') return `grant ${f.grantId ?? '?'}`;
  if (f.source === 'key') return 'the key as a whole';
  return f.statement === null ? 'a key policy statement without a Sid' : `key policy statement "${f.statement}"`;
}

/** The key's name for people: its first alias, else its ID. */
export function keyName(f: Pick<RecordedFinding, 'aliases' | 'keyId'>): string {
  return f.aliases[0] ?? f.keyId;
}

/** Who a finding is about, in one phrase (a key item names no principal: it says what is wrong). */
export function whoText(f: Pick<RecordedFinding, 'kind' | 'principal' | 'detail'>): string {
  switch (f.kind) {
    case 'unparseable-policy':
      return `nobody can tell who: its policy cannot be parsed (${f.detail ?? ''})`;
    case 'unreadable':
      return 'possibly anyone: its policy shuts the scanner out, so it could not be read';
    case 'analysis-error':
      return `nobody can tell who: it could not be judged (${f.detail ?? ''})`;
    default:
      return f.principal;
  }
}

/** A one-line title: which key, in which account and region, is open to whom. */
export function findingTitle(f: RecordedFinding): string {
  return `KMS key ${keyName(f)} (${f.accountId}/${f.region}) is open to ${whoText(f)}`;
}

/** A few sentences: why, through what, with which actions, and where the finding stands. */
export function findingDescription(f: RecordedFinding): string {
  const actions = f.actions.length === 0 ? '' : ` Actions: ${f.actions.join(', ')}.`;
  const stack = f.stack ? ` The key belongs to CloudFormation stack ${f.stack}: fix its template.` : '';
  return `${endSentence(f.reason)} Through ${viaText(f)}.${actions}${stack} ${statusText(f)}`;
}

/** Where the finding stands in the record, as a sentence. */
export function statusText(f: RecordedFinding): string {
  if (f.status === 'resolved') return `Resolved ${f.resolvedAt ?? ''}: ${f.resolvedCause ?? ''}.`;
  if (f.status === 'acknowledged') {
    return `Acknowledged by ${f.ackBy ?? '?'}${f.ackUntil ? ` until ${f.ackUntil}` : ''}: ${f.ackReason ?? ''}.`;
  }
  return `Open since ${f.firstSeen}, seen ${f.timesSeen} time${f.timesSeen === 1 ? '' : 's'}.`;
}

export function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** At most `max` UTF-16 code units, an ellipsis ending a cut text (never splitting a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
