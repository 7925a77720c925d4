import type { Severity } from '../../core/policy/actions.js';
import type { KeyFinding } from '../../core/scan/types.js';
import type { StoredFinding } from '../../usecases/store-port.js';
import { actor, code, date, outside, quoted, truncate } from './mrkdwn.js';

export const SEVERITY_ICON: Readonly<Record<Severity, string>> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':white_circle:',
};

/** How the access is given: the statement (its Sid or position) or the grant, in code formatting. */
export function via(f: Pick<KeyFinding, 'source' | 'statement' | 'grantId'>): string {
  if (f.source === 'grant') return `grant ${code(f.grantId ?? '')}`;
  if (f.source === 'key') return 'the key as a whole';
  return f.statement === null ? 'the key policy' : `statement ${code(f.statement)}`;
}

/** Up to `max` actions in code formatting, then how many more. */
export function actionList(actions: readonly string[], max = 6): string {
  if (actions.length === 0) return '';
  const shown = actions.slice(0, max).map(code).join(', ');
  return actions.length > max ? `${shown} and ${actions.length - max} more` : shown;
}

/** Who a finding lets in, for people: a principal in code, or what is wrong with the key. */
export function who(f: Pick<KeyFinding, 'kind' | 'principal'>): string {
  switch (f.kind) {
    case 'unparseable-policy':
      return 'nobody can tell who: the key policy cannot be parsed';
    case 'unreadable':
      return 'nobody can tell who: the key policy shuts the scanner out';
    case 'analysis-error':
      return 'nobody can tell who: the key could not be judged';
    case 'public':
      return `${code(f.principal)} (anyone)`;
    default:
      return code(f.principal);
  }
}

/** One finding as an alert or a listing shows it: severity, who, how, which actions, why. */
export function findingLine(f: KeyFinding): string {
  const actions = actionList(f.actions);
  return (
    `${SEVERITY_ICON[f.severity]} *${f.severity.toUpperCase()}* ${who(f)} via ${via(f)}` +
    `${actions === '' ? '' : `: ${actions}`}\n${outside(f.reason)}${f.detail === undefined ? '' : ` (${code(f.detail)})`}`
  );
}

/** The CloudFormation stack that owns a key, when its findings know it (its template is where they are fixed). */
export function stackNote(findings: readonly Pick<KeyFinding, 'stack'>[]): string {
  const stack = findings.find((f) => f.stack)?.stack;
  return stack ? ` · CloudFormation stack ${code(truncate(stack, 200))}` : '';
}

/** What became of a finding that is no longer open, with who did it and when. */
export function outcomeLine(f: StoredFinding): string | undefined {
  if (f.status === 'acknowledged') {
    const until = f.ackUntil === null ? 'until it is resolved' : `until ${date(f.ackUntil)}`;
    const reason = f.ackReason === null ? '' : `\n${quoted(f.ackReason)}`;
    return `:white_check_mark: ${who(f)} acknowledged by ${actor(f.ackBy ?? 'someone')} ${until}${reason}`;
  }
  if (f.status === 'resolved') {
    return `:heavy_check_mark: ${who(f)} resolved ${f.resolvedAt === null ? '' : date(f.resolvedAt)}: ${outside(f.resolvedCause ?? '')}`;
  }
  return undefined;
}
