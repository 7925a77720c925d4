import { messageOf } from '../../core/errors.js';
import { planDigest } from '../../core/remediation/plan.js';
import { planFor, precheck, type RemediationParts, remediate } from '../../usecases/remediation/remediate.js';
import { undoRemediation } from '../../usecases/remediation/undo.js';
import type { RemediateSubmission } from '../../usecases/slack-listeners.js';
import type { AlertLocation } from '../../usecases/store-port.js';
import type { ModalView } from '../blocks/kit.js';
import { applyingView, checkingView, planView, type RemediateMetadata, resultView } from '../blocks/remediate-modal.js';
import { errorReply, plainReply } from '../blocks/replies.js';
import { actorOf, allowed, clickAllowed } from './authorize.js';
import type { BotDeps, Respond } from './deps.js';

/** Remediations being undone now. */
const undoing = new Set<string>();

/** The remediation parts, or (remediation off) a reply that says so and undefined. */
async function enabled(deps: BotDeps, respond: Respond): Promise<RemediationParts | undefined> {
  if (deps.remediation === undefined) {
    await respond(errorReply('Remediation is off: set remediation.enabled: true in the config.'));
  }
  return deps.remediation;
}

/** Remediate on an alert (admins, with remediation enabled): opens the modal, then fills it with the plan. */
export async function handleRemediateClick(
  deps: BotDeps,
  request: { userId: string; triggerId: string; location: AlertLocation },
  respond: Respond,
): Promise<void> {
  const parts = await enabled(deps, respond);
  if (parts === undefined) return;
  const what = `remediate ${request.location.channel}/${request.location.ts}`;
  if (!(await clickAllowed(deps, request.userId, what, respond, 'remediate keys'))) return;
  // The key is the alert's, as the record has it; never what the button carries.
  const keyArn = deps.record
    .alertFindings(request.location)
    .map((fp) => deps.record.finding(fp)?.keyArn)
    .find((arn) => arn !== undefined);
  if (keyArn === undefined) {
    await respond(errorReply('This alert names no key the record knows; nothing can be remediated from it.'));
    return;
  }
  const metadata: RemediateMetadata = { channel: request.location.channel, ts: request.location.ts, keyArn };
  const viewId = await deps.slack.openView(request.triggerId, checkingView(metadata));
  deps.log.info(
    { event: 'button', user: request.userId, action: 'remediate-form', outcome: 'opened', key: keyArn },
    'remediate form opened',
  );
  const plan = planFor(deps.record, keyArn);
  if (plan === undefined) return;
  const live = await precheck(parts, keyArn);
  await deps.slack.updateView(viewId, planView({ ...metadata, plan: planDigest(plan) }, plan, live));
}

/**
 * Apply: checks again who asks, acts once per modal and once at a time per key (the record's claim, see remediate),
 * and answers at once with "Applying…"; the result replaces it when it is known, and the alert's thread tells the
 * channel.
 */
export async function handleRemediateSubmit(
  deps: BotDeps,
  submission: RemediateSubmission,
): Promise<{ update?: ModalView; errors?: Record<string, string> } | undefined> {
  const parts = deps.remediation;
  const metadata = parseMetadata(submission.metadata);
  if (parts === undefined || metadata === undefined)
    return { errors: { remediate_force: 'Remediation is not available from this form.' } };
  if (!(await allowed(deps, submission.userId, `remediate ${metadata.keyArn}`))) {
    return {
      update: resultView(
        metadata,
        'Only the admins listed under slack.admins may remediate keys. This was recorded.',
        false,
      ),
    };
  }
  // The form carries where it came from; the key must be the one that alert shows, as the record has it.
  const shown = deps.record.alertFindings(metadata).map((fp) => deps.record.finding(fp)?.keyArn);
  if (!shown.includes(metadata.keyArn)) {
    return { update: resultView(metadata, 'This form does not match its alert; nothing was changed.', false) };
  }
  if (!(await deps.record.claimRequest(`view:${submission.viewId}`, deps.now()))) {
    deps.log.info(
      { event: 'button', user: submission.userId, action: 'remediate', outcome: 'duplicate' },
      'a form already acted on',
    );
    return undefined;
  }
  // One remediation of a key at a time is the record's to say (across processes): a second is told who holds it.
  void (async () => {
    try {
      const result = await remediate(parts, {
        keyArn: metadata.keyArn,
        actor: actorOf(submission.userId),
        reason: `from the alert in ${metadata.channel}`,
        forceManaged: submission.force,
        // A form that shows no plan approves none.
        reviewed: metadata.plan ?? 'none',
      });
      deps.log.info(
        { event: 'button', user: submission.userId, action: 'remediate', outcome: result.outcome },
        'remediation',
      );
      deps.notifier.wake();
      await deps.slack.updateView(
        submission.viewId,
        resultView(metadata, result.message, result.outcome === 'applied'),
      );
    } catch (error) {
      deps.log.error(
        {
          event: 'button',
          user: submission.userId,
          action: 'remediate',
          outcome: 'error',
          error: messageOf(error),
        },
        'remediation failed',
      );
      await deps.slack
        .updateView(submission.viewId, resultView(metadata, `The remediation failed: ${messageOf(error)}`, false))
        .catch(() => undefined);
    }
  })();
  return { update: applyingView(metadata) };
}

/** Undo, from the thread of an applied remediation (admins). */
export async function handleUndoClick(
  deps: BotDeps,
  request: { userId: string; remediationId: string; requestKey: string },
  respond: Respond,
): Promise<void> {
  const parts = await enabled(deps, respond);
  if (parts === undefined) return;
  if (!(await clickAllowed(deps, request.userId, `undo ${request.remediationId}`, respond, 'undo remediations')))
    return;
  if (!(await deps.record.claimRequest(request.requestKey, deps.now()))) return;
  // Two clicks at once (two admins, a double click) undo once: the second is told, and changes nothing.
  if (undoing.has(request.remediationId)) {
    await respond(errorReply('This remediation is being undone already; nothing more was done.'));
    return;
  }
  undoing.add(request.remediationId);
  let result: Awaited<ReturnType<typeof undoRemediation>>;
  try {
    result = await undoRemediation(parts, request.remediationId, actorOf(request.userId));
  } finally {
    undoing.delete(request.remediationId);
  }
  deps.notifier.wake();
  deps.log.info({ event: 'button', user: request.userId, action: 'undo', outcome: result.outcome }, 'undo');
  await respond(result.outcome === 'undone' ? plainReply(result.message) : errorReply(result.message));
}

function parseMetadata(text: string): RemediateMetadata | undefined {
  try {
    const v = JSON.parse(text) as Partial<RemediateMetadata>;
    return typeof v.channel === 'string' && typeof v.ts === 'string' && typeof v.keyArn === 'string'
      ? { channel: v.channel, ts: v.ts, keyArn: v.keyArn, ...(typeof v.plan === 'string' ? { plan: v.plan } : {}) }
      : undefined;
  } catch {
    return undefined;
  }
}
