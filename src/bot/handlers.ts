import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import { isSentinelError } from '../core/errors.js';
import { stableHash } from '../core/findings/fingerprint.js';
import { parseAcknowledgementEnd } from '../usecases/acknowledge.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { AckSubmission, Reply } from '../usecases/slack-listeners.js';
import type { SlackPort } from '../usecases/slack-port.js';
import type { AlertLocation, StoredFinding } from '../usecases/store-port.js';
import type { Admins } from './authorization.js';
import { type AckMetadata, ackModal } from './blocks/ack-modal.js';
import { homeView } from './blocks/home.js';
import {
  errorReply,
  findingsReply,
  plainReply,
  refusedReply,
  scanBusyReply,
  scanStartedReply,
  scanSummaryReply,
  statusReply,
  trustedReply,
  trustReply,
  usageReply,
  workingReply,
} from './blocks/replies.js';
import { parseKmsCommand } from './command-text.js';
import type { Notifier } from './notifier.js';
import type { ScanCoordinator } from './scan-coordinator.js';

export interface BotDeps {
  readonly config: Config;
  readonly record: RecordPort;
  readonly slack: SlackPort;
  readonly admins: Admins;
  readonly scans: ScanCoordinator;
  readonly notifier: Notifier;
  readonly log: Log;
  readonly now: () => Date;
  /** When the schedule runs next (null: no schedule). */
  readonly nextScan: () => string | null;
  /** Present when remediation.enabled. */
  readonly remediation?: import('../usecases/remediation/remediate.js').RemediationParts;
  /** Interrupted remediations the bot could not settle yet (see Bot.unsettledRemediations). */
  readonly unsettledRemediations?: () => import('./bot.js').UnsettledRemediations | undefined;
}

/** Answers a request later, through its response_url (visible to the caller only). */
export type Respond = (reply: Reply) => Promise<void>;

const actorOf = (userId: string) => `slack:${userId}`;

/** How long a command waits for the admin check before it answers and goes on in the background. */
const ADMIN_CHECK_WAIT_MS = 1500;
/** More findings than one reply can show (50 blocks of 3,000 characters, each line 80 or more). */
const FINDINGS_READ = 2000;

/**
 * `/kms TEXT`: returns the reply Slack gets at once (within its 3 seconds); long work answers later through
 * `respond`. Bad input changes nothing and says what was wrong.
 */
export async function handleCommand(deps: BotDeps, userId: string, text: string, respond: Respond): Promise<Reply> {
  const command = parseKmsCommand(text);
  const { reply, outcome } = await answerCommand(deps, userId, command, respond);
  deps.log.info({ event: 'command', user: userId, command: command.name, outcome }, 'slash command');
  return reply;
}

/** What a command answers at once, and in a word how it went (the command's log line). */
async function answerCommand(
  deps: BotDeps,
  userId: string,
  command: ReturnType<typeof parseKmsCommand>,
  respond: Respond,
): Promise<{ reply: Reply; outcome: 'answered' | 'usage' | 'started' | 'busy' | 'refused' | 'working' }> {
  switch (command.name) {
    case 'help':
      return { reply: usageReply(undefined), outcome: 'answered' };
    case 'usage':
      return { reply: usageReply(command.problem), outcome: 'usage' };
    case 'trusted':
      return { reply: trustedReply(deps.record.listTrust()), outcome: 'answered' };
    case 'findings': {
      const filter = { status: command.status, accountId: command.accountId };
      const now = deps.now();
      // No reply holds more than this many lines; the rest are counted, never read.
      const shown = deps.record.findings({ ...filter, limit: FINDINGS_READ }, now);
      const total = deps.record.findingCounts(filter, now).total;
      return { reply: findingsReply(shown, total, command), outcome: 'answered' };
    }
    case 'status':
      return { reply: statusReply(statusModel(deps)), outcome: 'answered' };
    case 'scan': {
      const scope = {
        accounts: command.accountId === undefined ? [] : [command.accountId],
        regions: command.region === undefined ? [] : [command.region],
      };
      const outside = deps.scans.outsidePlan(scope);
      if (outside !== undefined) {
        return {
          reply: usageReply(`${outside}: /kms scan covers what the config scans (ask an admin to add it there)`),
          outcome: 'usage',
        };
      }
      const started = deps.scans.start(actorOf(userId), scope);
      if (!started.started) return { reply: scanBusyReply(started.running), outcome: 'busy' };
      void started.done.then(
        (summary) => (summary === undefined ? undefined : respond(scanSummaryReply(summary))),
        (error: unknown) => respond(errorReply(`The scan failed: ${(error as Error).message}`)),
      );
      const what =
        [command.accountId, command.region].filter((x) => x !== undefined).join(' ') ||
        'every configured account and region';
      return { reply: scanStartedReply(what), outcome: 'started' };
    }
    case 'trust':
    case 'untrust': {
      const what = `${command.name} ${command.entry.text}`;
      const verb = command.name === 'trust' ? 'Trusting' : 'Untrusting';
      const decision = allowed(deps, userId, what);
      // Slack waits three seconds for the answer: an admin check slower than that (a user group Slack is slow to
      // list) answers through response_url instead, whichever way it goes.
      const quick = await Promise.race([decision, sleep(ADMIN_CHECK_WAIT_MS, 'pending' as const, { ref: false })]);
      if (quick === false) return { reply: refusedReply(`${command.name} accounts`), outcome: 'refused' };
      const change = async () => {
        if (quick === 'pending' && !(await decision)) return respond(refusedReply(`${command.name} accounts`));
        const actor = actorOf(userId);
        const fields = { event: 'command', user: userId, command: command.name, entry: command.entry.text };
        try {
          const result =
            command.name === 'trust'
              ? await deps.record.addTrust(command.entry.text, command.note, actor, deps.now())
              : await deps.record.removeTrust(command.entry.text, actor, deps.now());
          deps.notifier.wake();
          deps.log.info({ ...fields, outcome: 'done' }, 'trust changed');
          return respond(trustReply(result, command.name === 'trust'));
        } catch (error) {
          deps.log.warn({ ...fields, outcome: 'failed', error: messageOf(error) }, 'trust not changed');
          return respond(errorReply(messageOf(error)));
        }
      };
      void change().catch(() => undefined);
      return { reply: workingReply(`${verb} ${command.entry.text}`), outcome: 'working' };
    }
  }
}

/** Acknowledge on an alert: opens the modal (admins only), for the alert's open findings as the record has them. */
export async function handleAcknowledgeClick(
  deps: BotDeps,
  request: { userId: string; triggerId: string; location: AlertLocation },
  respond: Respond,
): Promise<void> {
  if (!(await allowed(deps, request.userId, `acknowledge ${request.location.channel}/${request.location.ts}`))) {
    await respond(refusedReply('acknowledge findings'));
    return;
  }
  const open = openFindingsOf(deps, request.location);
  const first = open[0];
  if (first === undefined) {
    await respond(errorReply('Nothing in this alert is open any more: there is nothing to acknowledge.'));
    return;
  }
  const metadata: AckMetadata = {
    channel: request.location.channel,
    ts: request.location.ts,
    shown: shownDigest(open),
  };
  deps.log.info(
    { event: 'button', user: request.userId, action: 'acknowledge-form', outcome: 'opened', findings: open.length },
    'acknowledge form opened',
  );
  await deps.slack.openView(request.triggerId, ackModal(first.aliases[0] ?? first.keyArn, open.length, metadata));
}

/** The Acknowledge modal submitted: returns errors to show in the modal, or nothing when it is done. */
export async function handleAcknowledgeSubmit(
  deps: BotDeps,
  submission: AckSubmission,
): Promise<Record<string, string> | undefined> {
  const location = parseMetadata(submission.metadata);
  if (location === undefined) return { ack_reason: 'This form lost track of its alert; open it again from the alert.' };
  if (!(await allowed(deps, submission.userId, `acknowledge ${location.channel}/${location.ts}`))) {
    return { ack_reason: 'Only the admins listed under slack.admins may acknowledge findings. This was recorded.' };
  }
  const reason = submission.reason.trim();
  if (reason.length < 3) return { ack_reason: 'Say why this access is accepted.' };
  const now = deps.now();
  let until: string | undefined;
  try {
    until = endOf(submission.period, submission.date, now);
  } catch (error) {
    return { ack_date: messageOf(error) };
  }
  // The decision was made about what the form showed: a finding that got worse, or a new one, needs a new look.
  const open = openFindingsOf(deps, location);
  if (location.shown !== shownDigest(open)) {
    return {
      ack_reason:
        'The findings of this alert changed since this form opened (one got worse, is new, or was resolved): close it and open Acknowledge again.',
    };
  }
  // A submission replayed (or sent twice) acts once.
  if (!(await deps.record.claimRequest(`view:${submission.viewId}`, now))) {
    deps.log.info(
      { event: 'button', user: submission.userId, action: 'acknowledge', outcome: 'duplicate' },
      'a form already acted on',
    );
    return undefined;
  }
  let done = 0;
  for (const finding of open) {
    try {
      await deps.record.acknowledge({
        fingerprint: finding.fingerprint,
        reason,
        until,
        actor: actorOf(submission.userId),
        now,
      });
      done++;
    } catch (error) {
      if (!isSentinelError(error)) throw error;
    }
  }
  deps.log.info(
    { event: 'button', user: submission.userId, action: 'acknowledge', outcome: 'done', findings: done },
    'acknowledged',
  );
  deps.notifier.wake();
  return undefined;
}

/** Trust on an alert (after Slack's own confirmation): trusts the account, if the alert really names it. */
export async function handleTrustClick(
  deps: BotDeps,
  request: { userId: string; account: string; location: AlertLocation; requestKey: string },
  respond: Respond,
): Promise<void> {
  if (!(await allowed(deps, request.userId, `trust ${request.account}`))) {
    await respond(refusedReply('trust accounts'));
    return;
  }
  if (!(await deps.record.claimRequest(request.requestKey, deps.now()))) return;
  if (deps.record.listTrust().some((t) => t.entry === request.account)) {
    await respond(plainReply(`${request.account} was already trusted; nothing changed.`));
    return;
  }
  // What the button carries is only a hint: the account must be one the alert's open findings name.
  const open = openFindingsOf(deps, request.location);
  const finding = open.find((f) => f.account === request.account);
  if (finding === undefined) {
    await respond(errorReply(`This alert has no open finding for account ${request.account}; nothing was trusted.`));
    return;
  }
  try {
    const note = `trusted from the alert of ${finding.aliases[0] ?? finding.keyArn} (finding ${finding.fingerprint})`;
    const change = await deps.record.addTrust(request.account, note, actorOf(request.userId), deps.now());
    deps.notifier.wake();
    deps.log.info(
      {
        event: 'button',
        user: request.userId,
        action: 'trust',
        outcome: 'done',
        account: request.account,
        resolved: change.resolved,
      },
      'trusted',
    );
    await respond(trustReply(change, true));
  } catch (error) {
    await respond(errorReply(messageOf(error)));
  }
}

/** Scan now, from the Home tab. */
export async function handleScanNow(deps: BotDeps, userId: string): Promise<void> {
  const started = deps.scans.start(actorOf(userId));
  deps.log.info(
    { event: 'button', user: userId, action: 'scan', outcome: started.started ? 'started' : 'busy' },
    'scan now',
  );
  await publishHome(deps, userId);
}

export async function handleHomeOpened(deps: BotDeps, userId: string): Promise<void> {
  await deps.record.rememberHomeUser(userId, deps.now());
  await publishHome(deps, userId);
}

export async function publishHome(deps: BotDeps, userId: string): Promise<void> {
  const open = deps.record.findingCounts({ status: 'open', accountId: undefined }, deps.now());
  const last = deps.record.scans(1)[0];
  await deps.slack.publishHome(
    userId,
    homeView({
      openBySeverity: open.bySeverity,
      openByAccount: open.byAccount.map((a) => ({ ...a, name: accountName(deps.config, a.accountId) })),
      lastScan:
        last === undefined
          ? undefined
          : { finishedAt: last.finishedAt, startedBy: last.startedBy, complete: last.complete },
      nextScan: deps.nextScan(),
      running: deps.scans.running() !== undefined,
      trusted: deps.record.listTrust().length,
    }),
  );
}

function statusModel(deps: BotDeps) {
  const last = deps.record.scans(1)[0];
  return {
    lastScan: last,
    lastScanErrors: last?.errors ?? 0,
    nextScan: deps.nextScan(),
    running: deps.scans.running(),
    openBySeverity: deps.record.findingCounts({ status: 'open', accountId: undefined }, deps.now()).bySeverity,
    outbox: deps.record.outboxCounts(),
    failedNotifications: deps.record.outbox(5, { failed: true, latest: true }),
    deliveryPauses: deps.record.deliveryPauses(),
    deliverer: deps.notifier.deliverer(),
    unsettledRemediations: deps.unsettledRemediations?.(),
  };
}

export function accountName(config: Config, accountId: string): string | undefined {
  return config.accounts?.find((a) => a.id === accountId)?.name;
}

/** The open findings a form is about, with their severities, as one short text. */
function shownDigest(findings: readonly StoredFinding[]): string {
  return stableHash(
    findings
      .map((f) => `${f.fingerprint}:${f.severity}`)
      .sort()
      .join(','),
  );
}

function openFindingsOf(deps: BotDeps, location: AlertLocation): StoredFinding[] {
  return deps.record
    .alertFindings(location)
    .map((fp) => deps.record.finding(fp))
    .filter((f): f is StoredFinding => f !== undefined && f.status === 'open');
}

/** Admins only; a refusal is recorded in the audit log with who tried what. */
export async function allowed(deps: BotDeps, userId: string, what: string): Promise<boolean> {
  if (await deps.admins.isAdmin(userId)) return true;
  await deps.record.refused(actorOf(userId), what, what.split(' ').slice(1).join(' ') || what, deps.now());
  deps.log.warn({ event: 'refused', user: userId, action: what }, 'not an admin');
  return false;
}

function endOf(period: string | undefined, date: string | undefined, now: Date): string | undefined {
  if (period === undefined || period === 'resolved') return undefined;
  if (period === 'date') {
    if (date === undefined) throw new Error('Pick the date the acknowledgement ends.');
    parseAcknowledgementEnd(date, now);
    return date;
  }
  const days = Number(period);
  if (!Number.isInteger(days) || days <= 0 || days > 3650) throw new Error('Pick how long the acknowledgement lasts.');
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}

function parseMetadata(text: string): AckMetadata | undefined {
  try {
    const value = JSON.parse(text) as Partial<AckMetadata>;
    return typeof value.channel === 'string' && typeof value.ts === 'string'
      ? { channel: value.channel, ts: value.ts, ...(typeof value.shown === 'string' ? { shown: value.shown } : {}) }
      : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
