import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../../core/errors.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import {
  errorReply,
  failureReply,
  findingsReply,
  refusedReply,
  scanBusyReply,
  scanStartedReply,
  scanSummaryReply,
  statusReply,
  trustedReply,
  trustReply,
  usageReply,
  workingReply,
} from '../blocks/replies.js';
import { summaryReply } from '../blocks/summary.js';
import { type KmsCommand, parseKmsCommand } from '../command-text.js';
import { summaryOf } from '../summary.js';
import { actorOf, allowed } from './authorize.js';
import { openCheck } from './check.js';
import type { BotDeps, Respond } from './deps.js';
import { accountName } from './home.js';
import { answerQuestion } from './questions.js';

/** How long a command waits for the admin check before it answers and goes on in the background. */
const ADMIN_CHECK_WAIT_MS = 1500;
/** More findings than one reply can show (50 blocks of 3,000 characters, each line 80 or more). */
const FINDINGS_READ = 2000;

/** What a command answers at once (none: a modal opens), and in a word how it went (the command's log line). */
type Answer = {
  reply: Reply | undefined;
  outcome: 'answered' | 'usage' | 'started' | 'busy' | 'refused' | 'working' | 'opened';
};

/**
 * `/kms TEXT`: returns the reply Slack gets at once (within its 3 seconds; none when a modal opens with `triggerId`);
 * long work answers later through `respond`. Bad input changes nothing and says what was wrong.
 */
export async function handleCommand(
  deps: BotDeps,
  userId: string,
  text: string,
  respond: Respond,
  triggerId?: string,
): Promise<Reply | undefined> {
  const command = parseKmsCommand(text);
  const { reply, outcome } = await answerCommand(deps, userId, command, respond, triggerId);
  deps.log.info({ event: 'command', user: userId, command: command.name, outcome }, 'slash command');
  return reply;
}

async function answerCommand(
  deps: BotDeps,
  userId: string,
  command: KmsCommand,
  respond: Respond,
  triggerId: string | undefined,
): Promise<Answer> {
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
    case 'scan':
      return startScan(deps, userId, command, respond);
    case 'trust':
    case 'untrust':
      return changeTrust(deps, userId, command, respond);
    case 'who':
    case 'key':
      return answerQuestion(deps, userId, command, respond);
    case 'check':
      return openCheck(deps, userId, triggerId, respond);
    case 'summary':
      return {
        reply: summaryReply(summaryOf(deps.record, deps.now()), (id) => accountName(deps.config, id)),
        outcome: 'answered',
      };
  }
}

function startScan(
  deps: BotDeps,
  userId: string,
  command: Extract<KmsCommand, { name: 'scan' }>,
  respond: Respond,
): Answer {
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
    (error: unknown) => respond(errorReply(`The scan failed: ${messageOf(error)}`)),
  );
  const what =
    [command.accountId, command.region].filter((x) => x !== undefined).join(' ') ||
    'every configured account and region';
  return { reply: scanStartedReply(what), outcome: 'started' };
}

async function changeTrust(
  deps: BotDeps,
  userId: string,
  command: Extract<KmsCommand, { name: 'trust' | 'untrust' }>,
  respond: Respond,
): Promise<Answer> {
  const verb = command.name === 'trust' ? 'Trusting' : 'Untrusting';
  const decision = allowed(deps, userId, `${command.name} ${command.entry.text}`);
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
      return respond(failureReply(error));
    }
  };
  void change().catch(() => undefined);
  return { reply: workingReply(`${verb} ${command.entry.text}`), outcome: 'working' };
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
    events: deps.events?.(),
    securityHub: deps.securityHub?.(),
    now: deps.now(),
  };
}
