import { partyName } from '../../core/questions/party.js';
import type { WhoAnswer, WhoWay } from '../../usecases/questions/who.js';
import { blindWords, partyWords, reachWords, recordAgeWords } from '../../usecases/questions/words.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import { type Block, context, LIMITS, section } from './kit.js';
import { type LineGroup, lineSections, moreLine } from './line-sections.js';
import { code, outside } from './mrkdwn.js';
import { keyLabel, wayHead, wayState } from './question-lines.js';

/**
 * `/kms who`: the keys the party can use, by account and region, worst first, within Slack's limits; past them,
 * "+N more" and the CLI command that lists them all.
 */
export function whoReply(a: WhoAnswer, now: Date): Reply {
  const party = outside(partyWords(a.party));
  const trust =
    a.trustedAs.length === 0 ? 'not on the trust list' : `trusted (${a.trustedAs.map((t) => code(t)).join(', ')})`;
  const trustedWays = a.places.reduce((n, p) => n + p.ways.filter((w) => w.trusted).length, 0);
  const head =
    a.ways === 0
      ? a.blindKeys.length === 0
        ? `:white_check_mark: No key in the record (${a.keysInRecord} keys) lets *${party}* in · ${trust}`
        : `:grey_question: No key in the record (${a.keysInRecord} keys) is known to let *${party}* in · ${trust}`
      : `:key: *${party}* can use *${a.keys} key${a.keys === 1 ? '' : 's'}*, ${a.ways} way${a.ways === 1 ? '' : 's'} in (${trustedWays} trusted) · ${trust}`;
  const groups: LineGroup[] = a.places.map((place) => ({
    heading: `*${code(place.accountId)} · ${code(place.region)}*`,
    lines: place.ways.map((w) => wayLine(w, a)),
  }));
  if (a.ifMember.length > 0) {
    groups.push({
      heading: `*Only if ${party} belongs to the organization named* (the record does not know who belongs to which):`,
      lines: a.ifMember.map((w) => `${code(`${w.accountId}/${w.region}`)} ${wayLine(w, a)}`),
    });
  }
  if (a.blindKeys.length > 0) {
    groups.push({
      heading: '*Keys the record cannot fully tell about* (they may let it in too):',
      lines: a.blindKeys.map(
        (k) =>
          `:grey_question: ${keyLabel(k)} (${code(`${k.accountId}/${k.region}`)}): ${outside(blindWords(k.blind))}`,
      ),
    });
  }
  const top: Block[] = [section(head), context(outside(recordAgeWords(a.record, now)))];
  const { blocks, left } = lineSections(groups, LIMITS.blocksPerMessage - top.length - 1);
  const more = left > 0 ? [moreLine(left, `kms-sentinel who ${partyName(a.party)}`, code)] : [];
  const text = a.ways === 0 ? `No key lets ${partyName(a.party)} in` : `${partyName(a.party)} can use ${a.keys} keys`;
  return { response_type: 'ephemeral', text: outside(text), blocks: [...top, ...blocks, ...more] };
}

function wayLine(w: WhoWay, a: WhoAnswer): string {
  // A public way in already says "(anyone)".
  const reach = w.reach === 'anyone' ? '' : reachWords(w.reach, a.party, w.kind);
  return `${keyLabel(w)} ${wayHead(w)}${reach === '' ? '' : ` (${outside(reach)})`} · ${wayState(w)}`;
}
