import { setTimeout as sleep } from 'node:timers/promises';
import { isSentinelError, messageOf } from '../../core/errors.js';
import { describeKey } from '../../usecases/questions/key.js';
import { whoCanUse } from '../../usecases/questions/who.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import { keyReply } from '../blocks/key-reply.js';
import { errorReply, failureReply, workingReply } from '../blocks/replies.js';
import { whoReply } from '../blocks/who-reply.js';
import type { KmsCommand } from '../command-text.js';
import type { BotDeps, Respond } from './deps.js';

/** How long a question may take before the bot answers "working" and sends the answer when it is ready. */
const ANSWER_WAIT_MS = 1500;

type Question = Extract<KmsCommand, { name: 'who' | 'key' }>;

/**
 * `/kms who` and `/kms key`: answered from the record (no AWS call), at once when that is quick, else through
 * `respond` once it is done; the bot's event loop is handed back while a large record is judged.
 */
export async function answerQuestion(
  deps: BotDeps,
  userId: string,
  command: Question,
  respond: Respond,
): Promise<{ reply: Reply; outcome: 'answered' | 'working' }> {
  const now = deps.now();
  const answer = (async () =>
    command.name === 'who'
      ? whoReply(await whoCanUse(deps.record, command.party, now), now)
      : keyReply(await describeKey(deps.record, command.reference, now), now))().catch((error: unknown) => {
    if (isSentinelError(error)) return failureReply(error);
    deps.log.error(
      { event: 'command', user: userId, command: command.name, error: messageOf(error) },
      'question failed',
    );
    return errorReply(`The answer failed: ${messageOf(error)}`);
  });
  const quick = await Promise.race([answer, sleep(ANSWER_WAIT_MS, 'pending' as const, { ref: false })]);
  if (quick !== 'pending') return { reply: quick, outcome: 'answered' };
  void answer.then(respond).catch(() => undefined);
  return { reply: workingReply('Looking through the record'), outcome: 'working' };
}
