import type { AlertLocation } from '../usecases/store-port.js';
import type { ModalView } from './blocks/kit.js';
import type { Reply } from './blocks/replies.js';
import type { AckSubmission } from './handlers.js';
import type { RemediateSubmission } from './remediation-handlers.js';

/** What the Slack adapter calls when Slack sends something: the bot's side of every command, button and event. */
export interface BotListeners {
  command(userId: string, text: string, respond: (reply: Reply) => Promise<unknown>): Promise<Reply>;
  acknowledgeClick(
    request: { userId: string; triggerId: string; location: AlertLocation },
    respond: (reply: Reply) => Promise<unknown>,
  ): Promise<void>;
  trustClick(
    request: { userId: string; account: string; location: AlertLocation; requestKey: string },
    respond: (reply: Reply) => Promise<unknown>,
  ): Promise<void>;
  scanNow(userId: string): Promise<void>;
  acknowledgeSubmit(submission: AckSubmission): Promise<Record<string, string> | undefined>;
  homeOpened(userId: string): Promise<void>;
  remediateClick(
    request: { userId: string; triggerId: string; location: AlertLocation },
    respond: (reply: Reply) => Promise<unknown>,
  ): Promise<void>;
  remediateSubmit(
    submission: RemediateSubmission,
  ): Promise<{ update?: ModalView; errors?: Record<string, string> } | undefined>;
  undoClick(
    request: { userId: string; remediationId: string; requestKey: string },
    respond: (reply: Reply) => Promise<unknown>,
  ): Promise<void>;
}
