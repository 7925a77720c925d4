import type { KeyFinding } from '../../core/scan/types.js';
import type { ExposureState } from '../../usecases/questions/record-state.js';
import { stateWords } from '../../usecases/questions/words.js';
import { actionList, SEVERITY_ICON, via, who } from './finding-lines.js';
import { actor, code, date, outside } from './mrkdwn.js';

/** Pieces of the `who` and `key` replies that both use. */

/** A key by its first alias (or its ID), in code. */
export function keyLabel(key: { aliases: readonly string[]; keyId: string }): string {
  return code(key.aliases[0] ?? key.keyId);
}

/** Severity, who, how and which actions of a way in. */
export function wayHead(
  e: Pick<KeyFinding, 'severity' | 'kind' | 'principal' | 'source' | 'statement' | 'grantId' | 'actions'>,
): string {
  const actions = actionList(e.actions, 4);
  return `${SEVERITY_ICON[e.severity]} *${e.severity.toUpperCase()}* ${who(e)} via ${via(e)}${actions === '' ? '' : `: ${actions}`}`;
}

/** Trusted, or the state of its finding, with who acknowledged it and until when. */
export function wayState(e: ExposureState): string {
  if (e.trusted) return '_trusted_';
  const f = e.finding;
  if (f?.status === 'acknowledged') {
    return `acknowledged by ${actor(f.ackBy ?? 'someone')}${f.ackUntil === null ? '' : ` until ${date(f.ackUntil)}`}`;
  }
  return outside(stateWords(f, false));
}
