import type { HistoryEntry } from '../../core/questions/history.js';
import type { KeyAnswer, KeyFindingRecord, KeyReport } from '../../usecases/questions/key.js';
import { blindWords, HISTORY_WORDS, recordAgeWords } from '../../usecases/questions/words.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import { SEVERITY_ICON, via, who } from './finding-lines.js';
import { type Block, context, LIMITS, section } from './kit.js';
import { type LineGroup, lineSections, moreLine } from './line-sections.js';
import { actor, code, date, outside, quoted, truncate } from './mrkdwn.js';
import { keyLabel, wayHead, wayState } from './question-lines.js';

/** The latest history entries a reply shows of each key (the CLI shows them all). */
const HISTORY_SHOWN = 15;

/**
 * `/kms key`: for each key the reference names, who outside its account can use it, its findings, their latest
 * history and its remediations, within Slack's limits; past them, "+N more" and the CLI command.
 */
export function keyReply(a: KeyAnswer, now: Date): Reply {
  const top: Block[] =
    a.keys.length > 1 ? [section(`${code(a.reference.text)} names *${a.keys.length} keys* in the record:`)] : [];
  const groups = a.keys.flatMap((k) => [{ lines: [keyHead(k)] }, ...keyGroups(k, a.keys.length > 1)]);
  const { blocks, left } = lineSections(groups, LIMITS.blocksPerMessage - top.length - 2);
  const more = left > 0 ? [moreLine(left, `kms-sentinel key ${a.reference.text}`, code)] : [];
  const first = a.keys[0];
  return {
    response_type: 'ephemeral',
    text: outside(`Key ${first?.aliases[0] ?? first?.keyArn ?? a.reference.text}`),
    blocks: [...top, ...blocks, context(outside(recordAgeWords(a.record, now))), ...more],
  };
}

function keyHead(k: KeyReport): string {
  const aliases = k.aliases.length === 0 ? '' : ` (${k.aliases.map((x) => code(x)).join(', ')})`;
  const stack = k.stack === null ? '' : ` · CloudFormation stack ${code(truncate(k.stack, 200))}`;
  const read = k.readAt === null ? 'last read: not known' : `last read ${date(k.readAt)}`;
  const blind = k.blind.length === 0 ? '' : `\n:grey_question: Not fully known: ${outside(blindWords(k.blind))}`;
  return (
    `:key: ${code(k.keyArn)}${aliases}\n${code(k.accountId)} · ${code(k.region)} · ${outside(k.keyState)}${stack} · ${read}` +
    blind
  );
}

function keyGroups(k: KeyReport, named: boolean): LineGroup[] {
  const of = named ? ` of ${keyLabel(k)} in ${code(`${k.accountId}/${k.region}`)}` : '';
  const trusted = k.exposures.filter((e) => e.trusted).length;
  const groups: LineGroup[] = [
    {
      lines: [
        k.exposures.length === 0
          ? k.blind.length === 0
            ? `:white_check_mark: Nobody outside ${code(k.accountId)} can use it${of}.`
            : `:grey_question: No way in from outside ${code(k.accountId)} is known${of}: the record cannot fully tell.`
          : `*Outside ${code(k.accountId)}, ${k.exposures.length} way${k.exposures.length === 1 ? '' : 's'} in${of}* (${trusted} trusted):`,
      ],
    },
  ];
  if (k.exposures.length > 0) groups.push({ lines: k.exposures.map((e) => `${wayHead(e)} · ${wayState(e)}`) });
  if (k.findings.length > 0) {
    groups.push({ heading: `*Findings${of}* (${k.findings.length}):`, lines: k.findings.map(findingLine) });
  }
  const byFingerprint = new Map(k.findings.map((f) => [f.fingerprint, f]));
  const shown = k.history.slice(-HISTORY_SHOWN);
  if (shown.length > 0) {
    const older = k.history.length - shown.length + k.historyLeftOut;
    groups.push({
      heading: `*History${of}*, latest last${older > 0 ? ` (${older} older: ${code(`kms-sentinel key ${k.keyArn}`)})` : ''}:`,
      lines: shown.map((h) => historyLine(h, byFingerprint)),
    });
  }
  if (k.remediations.length > 0) {
    groups.push({
      heading: `*Remediations${of}* (${k.remediations.length}):`,
      lines: k.remediations.map(
        (r) =>
          `${code(r.id)} *${r.status}* by ${actor(r.actor)} ${date(r.startedAt)}${r.revoked.length > 0 ? `, ${r.revoked.length} grant(s) revoked` : ''}${r.undoneBy === null ? '' : `, undone by ${actor(r.undoneBy)}`}\n${quoted(truncate(r.reason, 300))}`,
      ),
    });
  }
  return groups;
}

function findingLine(f: KeyFindingRecord): string {
  const status =
    f.status === 'acknowledged'
      ? `acknowledged by ${actor(f.ackBy ?? 'someone')}${f.ackUntil === null ? '' : ` until ${date(f.ackUntil)}`}`
      : f.status === 'resolved'
        ? `resolved ${f.resolvedAt === null ? '' : date(f.resolvedAt)}: ${outside(truncate(f.resolvedCause ?? '', 200))}`
        : '*open*';
  return `${SEVERITY_ICON[f.severity]} ${who(f)} via ${via(f)} · ${status} · first seen ${date(f.firstSeen)} · ${code(f.fingerprint)}`;
}

function historyLine(h: HistoryEntry, findings: ReadonlyMap<string, KeyFindingRecord>): string {
  const finding = h.fingerprint === null ? undefined : findings.get(h.fingerprint);
  const about =
    finding !== undefined
      ? ` ${who(finding)} via ${via(finding)}`
      : h.remediation !== null
        ? ` remediation ${code(h.remediation)}`
        : '';
  const detail = h.detail === null ? '' : `: ${outside(truncate(h.detail, 300))}`;
  return `${date(h.at)} ${actor(h.actor)} *${HISTORY_WORDS[h.event]}*${about}${detail}`;
}
