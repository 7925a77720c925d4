import { isSentinelError, messageOf } from '../../core/errors.js';
import { checkPolicyText } from '../../core/policy/check.js';
import { parseTrustEntry } from '../../core/trust.js';
import type { CheckSubmission, Reply } from '../../usecases/slack-listeners.js';
import { CHECK_BLOCKS, checkModal, checkResultView } from '../blocks/check-modal.js';
import type { ModalView } from '../blocks/kit.js';
import { plain, truncate } from '../blocks/mrkdwn.js';
import { errorReply } from '../blocks/replies.js';
import type { BotDeps, Respond } from './deps.js';

/** The longest error shown under an input (a message may quote a long principal). */
const ERROR_TEXT = 1000;

/**
 * `/kms check` (anyone): opens the modal with the slash command's trigger, the first configured account filled in.
 * Slack gets no reply (the modal is the answer); the modal is opened meanwhile, and a failure to open it answers
 * through response_url.
 */
export function openCheck(
  deps: BotDeps,
  userId: string,
  triggerId: string | undefined,
  respond: Respond,
): { reply: Reply | undefined; outcome: 'opened' | 'usage' } {
  if (triggerId === undefined || triggerId === '') {
    return {
      reply: errorReply('Slack sent no trigger to open the form with: try /kms check again.'),
      outcome: 'usage',
    };
  }
  const view = checkModal(deps.config.accounts?.[0]?.id, deps.record.listTrust().length);
  void deps.slack.openView(triggerId, view).catch(async (error: unknown) => {
    deps.log.warn({ event: 'command', user: userId, command: 'check', error: messageOf(error) }, 'no modal');
    await respond(errorReply(`The form could not be opened (${messageOf(error)}): try /kms check again.`)).catch(
      () => undefined,
    );
  });
  return { reply: undefined, outcome: 'opened' };
}

/**
 * The modal submitted: check-policy's verdict against the trust list as it is now, in place of the form (seen by
 * the submitter only), or the CLI's message under the input it is about. Nothing is stored and nothing goes to AWS.
 * The engine is synchronous and quick: a policy of KMS's 32 KB limit is judged in milliseconds, and anything larger
 * is refused (policy-too-large) before it is parsed.
 */
export async function handleCheckSubmit(
  deps: BotDeps,
  submission: CheckSubmission,
): Promise<{ update?: ModalView; errors?: Record<string, string> }> {
  const account = submission.account.trim();
  const trust = deps.record.listTrust().map((t) => parseTrustEntry(t.entry));
  const fields = { event: 'check', user: submission.userId, bytes: Buffer.byteLength(submission.policy) };
  try {
    const report = checkPolicyText(submission.policy, account, trust);
    deps.log.info({ ...fields, outcome: 'checked', findings: report.findings.length }, 'policy checked');
    return { update: checkResultView(report, account, trust.length) };
  } catch (error) {
    const code = isSentinelError(error) ? error.code : 'internal';
    if (isSentinelError(error)) deps.log.info({ ...fields, outcome: 'refused', code }, 'policy not checked');
    else deps.log.error({ ...fields, outcome: 'error', error: messageOf(error) }, 'the policy check failed');
    const block = code === 'invalid-account-id' ? CHECK_BLOCKS.account.block : CHECK_BLOCKS.policy.block;
    const message = isSentinelError(error) ? `${messageOf(error)} [${code}]` : `The check failed: ${messageOf(error)}`;
    return { errors: { [block]: truncate(plain(message), ERROR_TEXT) } };
  }
}
