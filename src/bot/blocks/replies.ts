import { type ErrorHint, isSentinelError, messageOf } from '../../core/errors.js';
import type { Severity } from '../../core/policy/actions.js';
import { type Deliverer, pauseAdvice } from '../../usecases/delivery-health.js';
import { eventsLines } from '../../usecases/events/events-lines.js';
import type { EventsReport } from '../../usecases/events/events-report.js';
import { securityHubLines } from '../../usecases/security-hub/hub-lines.js';
import type { SecurityHubReport } from '../../usecases/security-hub/sync.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import { COMMAND } from '../../usecases/slack-surface.js';
import type {
  DeliveryPause,
  FindingStatus,
  OutboxCounts,
  OutboxRecord,
  ScanRecord,
  StoredFinding,
  TrustRecord,
} from '../../usecases/store-port.js';
import type { TrustChange } from '../../usecases/trust-list.js';
import type { ScanReportSummary } from '../scan-coordinator.js';
import { SEVERITY_ICON, stackNote, via, who } from './finding-lines.js';
import { type Block, context, LIMITS, section } from './kit.js';
import { actor, code, date, outside, quoted, truncate } from './mrkdwn.js';

const reply = (text: string, blocks: readonly Block[]): Reply => ({ response_type: 'ephemeral', text, blocks });
const simple = (text: string): Reply => reply(text, [section(text)]);

export function usageReply(problem: string | undefined): Reply {
  const lines = [
    `${code(`${COMMAND} scan [ACCOUNT_ID] [REGION]`)} scan now (everyone)`,
    `${code(`${COMMAND} findings [open|acknowledged|resolved|all] [ACCOUNT_ID]`)} list findings, worst first`,
    `${code(`${COMMAND} status`)} the last and next scan, open findings, notifications waiting`,
    `${code(`${COMMAND} who ACCOUNT|ARN|o-ID`)} every key it can use, trusted or not (blast radius)`,
    `${code(`${COMMAND} key ARN|ALIAS`)} who outside its account can use a key; its findings and their history`,
    `${code(`${COMMAND} trusted`)} the trust list`,
    `${code(`${COMMAND} trust ID|ARN|o-ID [note…]`)} trust an account, principal or organization (admins)`,
    `${code(`${COMMAND} untrust ID|ARN|o-ID`)} take it off the trust list (admins)`,
    `${code(`${COMMAND} check`)} paste a key policy: who outside its account it would let in (only you see it)`,
    `${code(`${COMMAND} summary`)} open findings, the last 7 days, acknowledgements ending, the 8-week trend`,
  ];
  const head =
    problem === undefined
      ? '*kms-sentinel* keeps KMS keys from being opened to accounts nobody trusts.'
      : `:warning: ${outside(problem)}`;
  return reply(problem === undefined ? 'kms-sentinel: usage' : outside(problem), [
    section(head),
    section(lines.join('\n')),
  ]);
}

export function refusedReply(what: string): Reply {
  return simple(
    `:no_entry: Only the admins listed under ${code('slack.admins')} may ${outside(what)}. This was recorded.`,
  );
}

export function errorReply(message: string): Reply {
  return simple(`:x: ${truncate(outside(message), LIMITS.sectionText - 20)}`);
}

/** The bot's words for what shared code leaves to each front end (the CLI has its own). */
const SLACK_HINTS: Readonly<Record<ErrorHint, string>> = {
  'see-trust-list': ` (see ${COMMAND} trusted)`,
  'choose-database': "; the bot's database cannot be used: ask whoever runs the bot",
  'no-database-yet': "; the bot's database is not there: ask whoever runs the bot",
};

/** Any failure as the bot tells it: what went wrong, and what to do in Slack's words when the error says. */
export function failureReply(error: unknown): Reply {
  const hint = isSentinelError(error) && error.hint !== undefined ? SLACK_HINTS[error.hint] : '';
  return errorReply(`${messageOf(error)}${hint}`);
}

export function workingReply(what: string): Reply {
  return simple(`:hourglass_flowing_sand: ${outside(what)}…`);
}

export function trustReply(change: TrustChange, added: boolean): Reply {
  const entry = code(change.entry.kind === 'account' ? change.entry.account : change.entry.text);
  if (added && change.outcome === 'present') return simple(`${entry} was already trusted; nothing changed.`);
  if (added && change.outcome === 'adopted') {
    return simple(`${entry} was trusted as a member of the organization; it is now on the list in its own right.`);
  }
  const n = added ? change.resolved : change.newFindings;
  const what = added ? 'resolved' : 'opened again';
  return simple(
    `${added ? ':white_check_mark:' : ':leftwards_arrow_with_hook:'} ${entry} is ${added ? 'now trusted' : 'no longer trusted'}. ` +
      `${n} finding${n === 1 ? '' : 's'} ${what}; their alerts are updated.`,
  );
}

export function trustedReply(records: readonly TrustRecord[]): Reply {
  if (records.length === 0) return simple("The trust list is empty: only each key's own account is trusted.");
  const lines = records.map(
    (r) =>
      `${code(r.entry)} ${r.kind}, added by ${actor(r.addedBy)} ${date(r.addedAt)}${r.note ? ` (${outside(truncate(r.note, 200))})` : ''}`,
  );
  return listReply(
    `${records.length} trusted entr${records.length === 1 ? 'y' : 'ies'}`,
    lines,
    code('kms-sentinel trust list'),
  );
}

/** `findings`: the worst of the `total` the filter matches. */
export function findingsReply(
  findings: readonly StoredFinding[],
  total: number,
  filter: { status: FindingStatus | 'all'; accountId: string | undefined },
): Reply {
  const what = `${filter.status === 'all' ? '' : `${filter.status} `}findings${filter.accountId === undefined ? '' : ` in ${outside(filter.accountId)}`}`;
  if (findings.length === 0) return simple(`No ${what}.`);
  const lines = findings.map((f) => {
    const key = f.aliases[0] ?? f.keyId;
    return `${SEVERITY_ICON[f.severity]} *${f.severity.toUpperCase()}* ${who(f)} on ${code(key)} (${code(`${f.accountId}/${f.region}`)}) via ${via(f)}${f.status === 'open' ? '' : ` · ${f.status}`}${stackNote([f])}`;
  });
  const cli = `kms-sentinel findings --status ${filter.status}${filter.accountId === undefined ? '' : ` --account ${filter.accountId}`}`;
  return listReply(`${total} ${what}, worst first`, lines, code(cli), total);
}

/** A list within Block Kit's limits: what does not fit is counted, with the command that lists it all. */
function listReply(title: string, lines: readonly string[], everything: string, total = lines.length): Reply {
  const blocks: Block[] = [section(`*${title}*`)];
  let chunk = '';
  let shown = 0;
  const max = LIMITS.sectionText - 20;
  for (const whole of lines) {
    // One line longer than a section (a principal pattern thousands of characters long) is cut, never sent whole.
    const line = truncate(whole, max);
    if (chunk !== '' && chunk.length + line.length + 1 > max) {
      if (blocks.length >= LIMITS.blocksPerMessage - 3) break;
      blocks.push(section(chunk));
      chunk = '';
    }
    chunk = chunk === '' ? line : `${chunk}\n${line}`;
    shown++;
  }
  if (chunk !== '') blocks.push(section(chunk));
  if (shown < total) blocks.push(context(`+${total - shown} more: ${everything} lists them all`));
  return reply(title, blocks);
}

export interface StatusModel {
  readonly lastScan: ScanRecord | undefined;
  readonly lastScanErrors: number;
  readonly nextScan: string | null;
  readonly running: { startedBy: string; startedAt: string; progress: string } | undefined;
  readonly openBySeverity: ReadonlyMap<Severity, number>;
  readonly outbox: OutboxCounts;
  readonly failedNotifications: readonly OutboxRecord[];
  /** Where delivery is paused (none: it is not). */
  readonly deliveryPauses?: readonly DeliveryPause[];
  /** Which bot delivers from the database. */
  readonly deliverer?: Deliverer;
  /** Remediations a stopped process left unfinished that the bot could not settle from AWS yet. */
  readonly unsettledRemediations?:
    | {
        readonly remediations: readonly { keyArn: string; remediations: readonly string[]; error: string }[];
        readonly nextAttempt: string;
      }
    | undefined;
  /** With config.events: the events pipeline. */
  readonly events?: EventsReport | undefined;
  /** With securityHub.enabled: the push to Security Hub. */
  readonly securityHub?: SecurityHubReport | undefined;
  readonly now?: Date;
}

export function statusReply(m: StatusModel): Reply {
  const last = m.lastScan;
  const lastLine =
    last === undefined
      ? 'No scan recorded yet.'
      : `Last scan ${date(last.finishedAt)} by ${actor(last.startedBy)}: ${last.accounts} accounts, ${last.regions} regions, ${last.keys} keys, ` +
        `${last.complete ? 'complete' : `*incomplete* (${last.errors} error${last.errors === 1 ? '' : 's'})`}; ${last.newFindings} new, ${last.stillOpen} still open, ${last.resolved} resolved.`;
  const running =
    m.running === undefined
      ? ''
      : `\nScanning now: started by ${actor(m.running.startedBy)} ${date(m.running.startedAt)}, ${outside(m.running.progress)}.`;
  const next = m.nextScan === null ? 'No scan is scheduled.' : `Next scheduled scan ${date(m.nextScan)}.`;
  const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
  const open = severities.map((s) => `${SEVERITY_ICON[s]} ${m.openBySeverity.get(s) ?? 0} ${s}`).join('  ');
  const outbox = `Notifications waiting: ${m.outbox.pending}${m.outbox.sending > 0 ? `, ${m.outbox.sending} being sent` : ''}${m.outbox.failed > 0 ? `, *${m.outbox.failed} failed*` : ''}.`;
  const failedLines = m.failedNotifications
    .slice(0, 5)
    .map((r) => `• ${code(r.kind)} #${r.id}: ${code(truncate(r.lastError ?? '', 200))}`);
  const failed = (
    failedLines.length === 0
      ? []
      : [...failedLines, `Once the cause is fixed, ${code('kms-sentinel outbox retry --failed')} sends them again.`]
  ).join('\n');
  const paused = (m.deliveryPauses ?? []).map((p) => {
    if (p.scope === 'workspace') {
      return `:no_entry: *Delivery is paused*: Slack refuses the bot token (${code(p.reason)}) since ${date(p.since)}. Nothing is posted until it works again; then everything waiting goes out by itself.`;
    }
    const { why, fix } = pauseAdvice(p);
    return `:warning: *Delivery to ${channelRef(p.channel)} is paused*: ${why} (${code(p.reason)}) since ${date(p.since)}. To resume: ${fix}. Other channels get theirs meanwhile.`;
  });
  const other = m.deliverer?.state === 'another-bot' ? m.deliverer : undefined;
  const deliverer =
    other === undefined
      ? []
      : [
          section(
            `:information_source: *Another bot delivers from this database*: kms-sentinel on ${code(other.host ?? '?')} (pid ${other.pid ?? '?'}) since ${date(other.since ?? '')}. This one answers commands but posts nothing; it takes over by itself once that one stops.`,
          ),
        ];
  const unsettled = (m.unsettledRemediations?.remediations ?? []).map(
    (u) =>
      `:warning: *${u.remediations.length === 1 ? 'Remediation' : 'Remediations'} ${u.remediations.map(code).join(', ')} left unfinished* by a process that stopped (key ${code(u.keyArn)}): not settled from AWS yet (${code(truncate(u.error, 200))}); nothing was changed. The bot tries again ${date(m.unsettledRemediations?.nextAttempt ?? '')}.`,
  );
  return reply('kms-sentinel status', [
    ...deliverer,
    ...(unsettled.length === 0 ? [] : [section(unsettled.join('\n'))]),
    ...(paused.length === 0 ? [] : [section(paused.join('\n'))]),
    section(`${lastLine}${running}\n${next}`),
    section(`*Open findings*  ${open}`),
    section(`${outbox}${failed === '' ? '' : `\n${failed}`}`),
    ...eventsSection(m.events, m.now ?? new Date()),
    ...securityHubSection(m.securityHub),
  ]);
}

function securityHubSection(report: SecurityHubReport | undefined): Block[] {
  if (report === undefined) return [];
  const { lines, warnings } = securityHubLines(report);
  return [section([...warnings.map((w) => `:warning: ${outside(w)}`), ...lines.map((l) => outside(l))].join('\n'))];
}

function eventsSection(report: EventsReport | undefined, now: Date): Block[] {
  if (report === undefined) return [];
  const { lines, warnings } = eventsLines(report, now);
  return [section([...warnings.map((w) => `:warning: ${outside(w)}`), ...lines.map((l) => outside(l))].join('\n'))];
}

const channelRef = (channel: string) => (/^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : code(channel));

export function scanStartedReply(scope: string): Reply {
  return simple(
    `:mag: Scanning ${outside(scope)}. You will get the summary here when it ends; new findings go to their channels.`,
  );
}

export function scanBusyReply(running: { startedBy: string; startedAt: string; progress: string }): Reply {
  return simple(
    `A scan is already running: started by ${actor(running.startedBy)} ${date(running.startedAt)}, ${outside(running.progress)}. One scan runs at a time; try again when it ends.`,
  );
}

export function scanSummaryReply(s: ScanReportSummary): Reply {
  const errors =
    s.errors.length === 0
      ? ''
      : `\n:warning: ${s.errors.length} error${s.errors.length === 1 ? '' : 's'}, so findings there stand:\n${s.errors
          .slice(0, 5)
          .map((e) => `• ${code(e.code)} ${code([e.accountId, e.region, e.keyId].filter((x) => x !== null).join('/'))}`)
          .join('\n')}`;
  return simple(
    `${s.complete ? ':white_check_mark:' : ':warning:'} Scan ${code(s.id)} ${s.complete ? 'complete' : '*incomplete*'}: ${s.keys} keys read (${s.customerManagedKeys} customer-managed) in ${s.accounts} accounts and ${s.regions} regions. ` +
      `Findings: ${s.newFindings} new, ${s.stillOpen} still open, ${s.resolved} resolved.${errors}`,
  );
}

export function acknowledgedReply(count: number, reason: string): Reply {
  return reply(`Acknowledged ${count} finding${count === 1 ? '' : 's'}`, [
    section(`:white_check_mark: Acknowledged ${count} finding${count === 1 ? '' : 's'}:\n${quoted(reason)}`),
  ]);
}

export const plainReply = (text: string): Reply => simple(outside(text));
