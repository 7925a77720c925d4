import { compareSeverity, type Severity } from '../../core/policy/actions.js';
import type { KeyFinding } from '../../core/scan/types.js';
import { SEVERITY_ICON, who } from './finding-lines.js';
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

const WORST_SHOWN = 10;
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/**
 * Instead of one alert per key when a scan finds many at once (a first scan of a large organization): counts by
 * account and severity, the ten worst keys, and how to list the rest.
 */
export function digestMessage(keys: readonly DigestKey[]): Message {
  const findings = keys.flatMap((k) => k.findings);
  const bySeverity = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const).filter(
    ([, n]) => n > 0,
  );
  const accounts = [...new Set(keys.map((k) => k.accountId))].sort();
  const accountLines = accounts.map((id) => {
    const ofAccount = keys.filter((k) => k.accountId === id);
    const name = ofAccount[0]?.accountName;
    const counts = SEVERITIES.map(
      (s) => [s, ofAccount.flatMap((k) => k.findings).filter((f) => f.severity === s).length] as const,
    )
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    return `${name === undefined ? '' : `${outside(name)} `}${code(id)}: ${ofAccount.length} key${ofAccount.length === 1 ? '' : 's'} (${counts})`;
  });
  const worst = [...keys]
    .sort((a, b) => compareSeverity(worstOf(a), worstOf(b)) || b.findings.length - a.findings.length)
    .slice(0, WORST_SHOWN);
  const worstLines = worst.map((k) => {
    const top = [...k.findings].sort((a, b) => compareSeverity(a.severity, b.severity))[0];
    const name = k.aliases[0] ?? k.keyArn;
    return `${SEVERITY_ICON[worstOf(k)]} ${code(name)} in ${code(`${k.accountId}/${k.region}`)}: ${k.findings.length} finding${k.findings.length === 1 ? '' : 's'}${top === undefined ? '' : `, ${who(top)}`}`;
  });
  const blocks: Block[] = [
    { type: 'header', text: plainText(truncate(`${keys.length} KMS keys with new findings`, LIMITS.headerText)) },
    section(
      `One scan found new findings on ${keys.length} keys, too many for an alert each: ` +
        bySeverity.map(([s, n]) => `${SEVERITY_ICON[s]} ${n} ${s}`).join('  '),
    ),
    section(truncate(`*By account*\n${accountLines.join('\n')}`, LIMITS.sectionText)),
    section(truncate(`*The ${worst.length} worst keys*\n${worstLines.join('\n')}`, LIMITS.sectionText)),
    context(
      `The rest: ${code('/kms findings open')} here, or ${code('kms-sentinel findings --status open')} on the command line. Later changes to these findings are not posted one by one.`,
    ),
  ];
  return {
    text: `${keys.length} KMS keys with new findings: ${bySeverity.map(([s, n]) => `${n} ${s}`).join(', ')}`,
    blocks,
  };
}

function worstOf(key: DigestKey): Severity {
  return [...key.findings].sort((a, b) => compareSeverity(a.severity, b.severity))[0]?.severity ?? 'low';
}
