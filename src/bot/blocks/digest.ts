import { compareSeverity, type Severity } from '../../core/policy/actions.js';
import type { KeyFinding } from '../../core/scan/types.js';
import { SEVERITY_ICON, stackNote, who } from './finding-lines.js';
import { type Block, context, LIMITS, type Message, plainText, section } from './kit.js';
import { code, outside, truncate } from './mrkdwn.js';

/** One key with new findings, as a digest counts it. */
export interface DigestKey {
  readonly keyArn: string;
  readonly aliases: readonly string[];
  readonly accountId: string;
  readonly accountName: string | undefined;
  readonly region: string;
  readonly findings: readonly KeyFinding[];
}

/** A digest as it is shown: every key it carries counted, the worst listed (a digest may carry any number). */
export interface DigestView {
  readonly keys: number;
  readonly severities: readonly { readonly severity: Severity; readonly findings: number }[];
  readonly accounts: readonly {
    readonly accountId: string;
    readonly accountName: string | undefined;
    readonly keys: number;
    readonly severities: readonly { readonly severity: Severity; readonly findings: number }[];
  }[];
  /** The worst keys, worst first (the first WORST_SHOWN are listed). */
  readonly worst: readonly DigestKey[];
}

const WORST_SHOWN = 10;
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/**
 * Instead of one alert per key when a scan finds many at once (a first scan of a large organization): counts by
 * account and severity, the ten worst keys, and how to list the rest.
 */
export function digestMessage(keys: readonly DigestKey[]): Message {
  const counts = (of: readonly DigestKey[]) =>
    SEVERITIES.map((severity) => ({
      severity,
      findings: of.flatMap((k) => k.findings).filter((f) => f.severity === severity).length,
    })).filter((c) => c.findings > 0);
  const accounts = [...new Set(keys.map((k) => k.accountId))].sort().map((accountId) => {
    const ofAccount = keys.filter((k) => k.accountId === accountId);
    return { accountId, accountName: ofAccount[0]?.accountName, keys: ofAccount.length, severities: counts(ofAccount) };
  });
  const worst = [...keys].sort(
    (a, b) => compareSeverity(worstOf(a), worstOf(b)) || b.findings.length - a.findings.length,
  );
  return digestViewMessage({ keys: keys.length, severities: counts(keys), accounts, worst });
}

/** The digest message of a view: the same for the same keys, whether they were counted here or by the record. */
export function digestViewMessage(view: DigestView): Message {
  const accountLines = view.accounts.map((a) => {
    const counts = a.severities.map((c) => `${c.findings} ${c.severity}`).join(', ');
    return `${a.accountName === undefined ? '' : `${outside(a.accountName)} `}${code(a.accountId)}: ${a.keys} key${a.keys === 1 ? '' : 's'} (${counts})`;
  });
  const worst = view.worst.slice(0, WORST_SHOWN);
  const worstLines = worst.map((k) => {
    const top = [...k.findings].sort((a, b) => compareSeverity(a.severity, b.severity))[0];
    const name = k.aliases[0] ?? k.keyArn;
    return `${SEVERITY_ICON[worstOf(k)]} ${code(name)} in ${code(`${k.accountId}/${k.region}`)}: ${k.findings.length} finding${k.findings.length === 1 ? '' : 's'}${top === undefined ? '' : `, ${who(top)}`}${stackNote(k.findings)}`;
  });
  const blocks: Block[] = [
    { type: 'header', text: plainText(truncate(`${view.keys} KMS keys with new findings`, LIMITS.headerText)) },
    section(
      `One scan found new findings on ${view.keys} keys, too many for an alert each: ` +
        view.severities.map((c) => `${SEVERITY_ICON[c.severity]} ${c.findings} ${c.severity}`).join('  '),
    ),
    section(truncate(`*By account*\n${accountLines.join('\n')}`, LIMITS.sectionText)),
    section(worstKeys(worstLines)),
    context(
      `The rest: ${code('/kms findings open')} here, or ${code('kms-sentinel findings --status open')} on the command line. Later changes to these findings are not posted one by one.`,
    ),
  ];
  return {
    text: `${view.keys} KMS keys with new findings: ${view.severities.map((c) => `${c.findings} ${c.severity}`).join(', ')}`,
    blocks,
  };
}

/**
 * The worst keys' lines that fit in one section, each whole: a line cut short could leave a code span open, and what
 * follows it would be read as markup. A first line too long on its own is cut all the same.
 */
function worstKeys(lines: readonly string[]): string {
  const room = LIMITS.sectionText - 40;
  const shown: string[] = [];
  for (const line of lines) {
    if (shown.join('\n').length + line.length + 1 > room) break;
    shown.push(line);
  }
  if (shown.length === 0) return truncate(`*The worst keys*\n${lines.join('\n')}`, LIMITS.sectionText);
  return `*The ${shown.length} worst keys*\n${shown.join('\n')}`;
}

function worstOf(key: DigestKey): Severity {
  return [...key.findings].sort((a, b) => compareSeverity(a.severity, b.severity))[0]?.severity ?? 'low';
}
