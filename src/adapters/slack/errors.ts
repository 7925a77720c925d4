import { SentinelError } from '../../core/errors.js';
import { SlackCallError } from '../../usecases/slack-port.js';

/** Slack's answers that no retry will change: the message or the channel is wrong, or the token may not do it. */
const REFUSED = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'restricted_action',
  'missing_scope',
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'invalid_arguments',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'user_not_found',
  'no_such_subteam',
  'expired_trigger_id',
  'exchanged_trigger_id',
  'invalid_trigger_id',
]);

/** Refusals that pass once the token works again (a new token, an app or workspace reactivated). */
const TOKEN_REFUSED = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired']);
/**
 * Refusals about the channel, which pass once the bot may post there again: it is invited back (Slack answers
 * `channel_not_found` to a bot removed from a private channel, as if the channel did not exist), the channel is
 * unarchived, or the config names another channel.
 */
const CHANNEL_REFUSED = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

/** Classifies what the Web API client threw. */
export function toSlackCallError(error: unknown): SlackCallError {
  const e = error as {
    code?: string;
    data?: { error?: string };
    retryAfter?: number;
    statusCode?: number;
    message?: string;
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new SlackCallError('ratelimited', 'ratelimited', e.retryAfter);
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited')
        return new SlackCallError('ratelimited', code, e.retryAfter);
      const refusal = TOKEN_REFUSED.has(code) ? 'token' : CHANNEL_REFUSED.has(code) ? 'channel' : undefined;
      return new SlackCallError(REFUSED.has(code) ? 'refused' : 'retry', code, undefined, refusal);
    }
    case 'slack_webapi_http_error':
      return new SlackCallError('retry', `http_${e.statusCode ?? 'error'}`);
    default:
      return new SlackCallError('retry', e.code ?? e.message ?? 'request_failed');
  }
}

/** A start-up failure, as one line naming what to fix. */
export function slackError(variable: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN', error: unknown): SentinelError {
  const e = toSlackCallError(error);
  const what =
    e.error === 'invalid_auth' ||
    e.error === 'not_authed' ||
    e.error === 'token_revoked' ||
    e.error === 'account_inactive'
      ? `Slack refused ${variable} (${e.error}): set it to the app's ${variable === 'SLACK_BOT_TOKEN' ? 'Bot User OAuth Token (xoxb-…)' : 'app-level token (xapp-…) with connections:write'}`
      : `Slack could not be reached to check ${variable} (${e.error}): check the network, proxies and SLACK_API_URL if set`;
  return new SentinelError('environment', what, { cause: error });
}
