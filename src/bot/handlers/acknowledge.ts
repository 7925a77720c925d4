import { isSentinelError, messageOf } from '../../core/errors.js';
import { stableHash } from '../../core/findings/fingerprint.js';
import { parseAcknowledgementEnd } from '../../usecases/acknowledge.js';
import type { AckSubmission } from '../../usecases/slack-listeners.js';
import type { AlertLocation, StoredFinding } from '../../usecases/store-port.js';
import { type AckMetadata, ackModal } from '../blocks/ack-modal.js';
import { errorReply } from '../blocks/replies.js';
import { openFindingsOf } from './alert-findings.js';
import { actorOf, allowed, clickAllowed } from './authorize.js';
import type { BotDeps, Respond } from './deps.js';

/** Acknowledge on an alert: opens the modal (admins only), for the alert's open findings as the record has them. */
export async function handleAcknowledgeClick(
  deps: BotDeps,
  request: { userId: string; triggerId: string; location: AlertLocation },
  respond: Respond,
): Promise<void> {
  const what = `acknowledge ${request.location.channel}/${request.location.ts}`;
  if (!(await clickAllowed(deps, request.userId, what, respond, 'acknowledge findings'))) return;
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

/** The open findings a form is about, with their severities, as one short text. */
function shownDigest(findings: readonly StoredFinding[]): string {
  return stableHash(
    findings
      .map((f) => `${f.fingerprint}:${f.severity}`)
      .sort()
      .join(','),
  );
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
