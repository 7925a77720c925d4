import { SEVERITY_ORDER } from '../../core/policy/actions.js';
import { DAY_MS } from '../../core/summary/facts.js';
import type { RecordSummary, SummaryItem } from '../../core/summary/summarize.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import { SEVERITY_ICON, who } from './finding-lines.js';
import { type Block, context, type Message, plainText, section } from './kit.js';
import { actor, code, date, outside, truncate } from './mrkdwn.js';

/** The longest principal shown (a principal pattern may run to thousands of characters). */
const PRINCIPAL = 200;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The summary as Slack shows it, short lines first so that it reads on a phone: open findings by severity, the
 * week's changes, open by account, the oldest open finding, acknowledgements about to end, keys that could not be
 * read, and the trend as a small table.
 */
export function summaryMessage(s: RecordSummary, accountName: (accountId: string) => string | undefined): Message {
  const severities = SEVERITY_ORDER.map((v) => `${SEVERITY_ICON[v]} ${s.open.bySeverity[v]} ${v}`).join('  ');
  const acknowledged =
    s.acknowledged === 0 ? '' : `\nAlso ${s.acknowledged} acknowledged (accepted for now, not counted as open).`;
  const accounts = s.byAccount.map((a) => `• ${accountLabel(a.accountId, accountName)}: ${a.open} open`);
  if (s.otherAccounts.accounts > 0) {
    accounts.push(`• ${s.otherAccounts.accounts} more accounts: ${s.otherAccounts.open} open`);
  }
  const blocks: Block[] = [
    { type: 'header', text: plainText('KMS keys: the summary') },
    section(`*Open findings: ${s.open.total}*\n${severities}${acknowledged}`),
    section(
      `*Last 7 days:* ${s.week.opened} new, ${s.week.reopened} opened again, ${s.week.resolved} resolved.` +
        (accounts.length === 0 ? '' : `\n*Open by account*\n${accounts.join('\n')}`),
    ),
    section(`*Oldest open finding:* ${s.oldestOpen === null ? 'none' : oldest(s.oldestOpen, s.at)}`),
    section(
      listed(
        'Acknowledgements ending in the next 7 days',
        s.expiring,
        (f) =>
          `${where(f)} ${principal(f)}: ends ${date(f.ackUntil ?? '')}${f.ackBy === null ? '' : `, by ${actor(f.ackBy)}`}`,
      ),
    ),
    section(
      listed(
        'Keys that could not be read',
        s.unreadable,
        (f) => `${where(f)}${f.kind === 'analysis-error' ? ' could not be judged' : ''} since ${date(f.firstSeen)}`,
      ),
    ),
    section(`*Open findings, week by week*\n\`\`\`\n${trendTable(s)}\n\`\`\``),
    context(`${code('kms-sentinel findings')} lists every finding; ${code('/kms summary')} shows this again.`),
  ];
  const worst = SEVERITY_ORDER.filter((v) => s.open.bySeverity[v] > 0)
    .map((v) => `${s.open.bySeverity[v]} ${v}`)
    .join(', ');
  return {
    text:
      `KMS summary: ${s.open.total} open finding${s.open.total === 1 ? '' : 's'}${worst === '' ? '' : ` (${worst})`}; ` +
      `last 7 days: ${s.week.opened} new, ${s.week.resolved} resolved`,
    blocks,
  };
}

function accountLabel(accountId: string, accountName: (accountId: string) => string | undefined): string {
  const name = accountName(accountId);
  return `${name === undefined ? '' : `${outside(truncate(name, 60))} `}${code(accountId)}`;
}

/** A key as people know it (its first alias, else its ID) and where it is. */
function where(f: SummaryItem): string {
  return `${code(truncate(f.alias ?? f.keyId, PRINCIPAL))} (${code(`${f.accountId}/${f.region}`)})`;
}

/** Who a finding lets in, a long principal cut short (the date tokens after it stay whole). */
function principal(f: SummaryItem): string {
  return who({ kind: f.kind, principal: truncate(f.principal, PRINCIPAL) });
}

function oldest(f: SummaryItem, now: string): string {
  const days = Math.floor((Date.parse(now) - Date.parse(f.firstSeen)) / DAY_MS);
  return (
    `${SEVERITY_ICON[f.severity]} *${f.severity.toUpperCase()}* ${principal(f)} on ${where(f)}, ` +
    `first seen ${date(f.firstSeen)} (${days} day${days === 1 ? '' : 's'} ago)`
  );
}

function listed(
  title: string,
  list: { readonly total: number; readonly listed: readonly SummaryItem[] },
  line: (f: SummaryItem) => string,
): string {
  if (list.total === 0) return `*${title}:* none`;
  const lines = list.listed.map((f) => `• ${line(f)}`);
  const more = list.total > lines.length ? `\n…and ${list.total - lines.length} more` : '';
  return `*${title}: ${list.total}*\n${lines.join('\n')}${more}`;
}

/** One row per week (the day it ends, UTC), one column per severity: monospaced, about 30 characters wide. */
function trendTable(s: RecordSummary): string {
  const cell = (value: string | number) => String(value).padStart(5);
  const head = `${'week to'.padEnd(7)}${cell('crit')}${cell('high')}${cell('med')}${cell('low')}`;
  const rows = s.trend.map((week) => {
    const day = new Date(week.at);
    const label = `${MONTHS[day.getUTCMonth()]} ${String(day.getUTCDate()).padStart(2, '0')}`;
    return `${label.padEnd(7)}${SEVERITY_ORDER.map((v) => cell(week.bySeverity[v])).join('')}`;
  });
  return [head, ...rows].join('\n');
}

/** `/kms summary`: the same, seen by the caller only. */
export function summaryReply(s: RecordSummary, accountName: (accountId: string) => string | undefined): Reply {
  return { response_type: 'ephemeral', ...summaryMessage(s, accountName) };
}
