import type { Message, ModalView } from './slack-kit.js';
import type { AlertLocation } from './store-port.js';

/** Replies to `/kms`: visible to the caller only unless said otherwise. */
export interface Reply extends Message {
  readonly response_type: 'ephemeral' | 'in_channel';
}

export interface AckSubmission {
  readonly userId: string;
  readonly viewId: string;
  readonly metadata: string;
  readonly reason: string;
  readonly period: string | undefined;
  readonly date: string | undefined;
}

export interface RemediateSubmission {
  readonly userId: string;
  readonly viewId: string;
  readonly metadata: string;
  readonly force: boolean;
}

/** The `/kms check` modal submitted: the policy and the account, as typed. */
export interface CheckSubmission {
  readonly userId: string;
  readonly policy: string;
  readonly account: string;
}

/** What the Slack adapter calls when Slack sends something: the bot's side of every command, button and event. */
export interface BotListeners {
  /**
   * `/kms TEXT`: the reply Slack gets at once (undefined: none, a modal opens instead with `triggerId`, the command's
   * trigger, which Slack accepts for 3 seconds).
   */
  command(
    userId: string,
    text: string,
    respond: (reply: Reply) => Promise<unknown>,
    triggerId?: string,
  ): Promise<Reply | undefined>;
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
  /** The check modal's answer: its result view, or errors to show on its inputs (block ID: message). */
  checkSubmit(submission: CheckSubmission): Promise<{ update?: ModalView; errors?: Record<string, string> }>;
  undoClick(
    request: { userId: string; remediationId: string; requestKey: string },
    respond: (reply: Reply) => Promise<unknown>,
  ): Promise<void>;
}
