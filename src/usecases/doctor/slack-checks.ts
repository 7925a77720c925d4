import pLimit from 'p-limit';
import { messageOf } from '../../core/errors.js';
import { SlackCallError } from '../slack-port.js';
import { type DoctorCheck, failed, passed, skipped } from './check.js';
import type { DoctorSlackPort, SlackTokenInfo } from './ports.js';

/** The Slack side of the config, as doctor checks it. */
export interface SlackSettings {
  /** slack.channel: where alerts go when an account names no channel of its own. */
  readonly defaultChannel: string | undefined;
  /** Every alert channel: the default one first, then the accounts' own, each once. */
  readonly channels: readonly string[];
  /** User-group IDs (S…) among slack.admins. */
  readonly adminGroups: readonly string[];
  /** The scopes the bot needs (src/bot/surface.ts). */
  readonly requiredScopes: readonly string[];
}

const TOKEN_FIX =
  "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…, on the app's OAuth & Permissions page)";
const REFUSED_TOKEN = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive']);

/**
 * The Slack checks: the token (auth.test), its scopes against those the bot needs, the bot's membership of every
 * alert channel (conversations.info), and the admins' user groups (usergroups.users.list). `slack` undefined: there
 * is no token, although the config has Slack settings.
 */
export async function slackChecks(settings: SlackSettings, slack: DoctorSlackPort | undefined): Promise<DoctorCheck[]> {
  if (slack === undefined) {
    return [
      failed(
        'slack.token',
        'Slack token',
        'SLACK_BOT_TOKEN is not set, but the config has Slack settings (alert channels or admins)',
        TOKEN_FIX,
      ),
    ];
  }
  let token: SlackTokenInfo;
  try {
    token = await slack.tokenInfo();
  } catch (error) {
    const e = slackErrorOf(error);
    const refused = REFUSED_TOKEN.has(e.error);
    return [
      failed(
        'slack.token',
        'Slack token',
        refused ? `Slack refused SLACK_BOT_TOKEN (auth.test: ${e.error})` : `auth.test failed: ${e.error}`,
        refused ? TOKEN_FIX : 'check the network, proxies, and SLACK_API_URL if set',
      ),
      skipped('slack.scopes', 'Slack scopes', 'needs a working token'),
      skipped('slack.channels', 'alert channels', 'needs a working token'),
    ];
  }
  const bot = token.user ?? token.userId;
  const checks: DoctorCheck[] = [
    passed('slack.token', 'Slack token', `bot ${bot} (${token.userId})${token.team ? ` in ${token.team}` : ''}`),
    scopesCheck(token.scopes, settings.requiredScopes),
  ];
  if (settings.defaultChannel === undefined) {
    checks.push(
      failed(
        'slack.channel',
        'default alert channel',
        'slack.channel is not set: serve needs a channel for the alerts of accounts that name none',
        "set slack.channel to the channel's ID (such as C0123ALERTS, in the channel's details)",
      ),
    );
  }
  const limit = pLimit(4);
  const [channels, groups] = await Promise.all([
    Promise.all(settings.channels.map((id) => limit(() => channelCheck(slack, id, bot)))),
    Promise.all(settings.adminGroups.map((id) => limit(() => groupCheck(slack, id)))),
  ]);
  checks.push(...channels, ...groups);
  return checks;
}

function scopesCheck(granted: readonly string[] | undefined, required: readonly string[]): DoctorCheck {
  if (granted === undefined) {
    return failed(
      'slack.scopes',
      'Slack scopes',
      "auth.test did not say which scopes the token has (no x-oauth-scopes header): this is not Slack's Web API",
      'check SLACK_API_URL, or unset it to use Slack itself',
    );
  }
  const missing = required.filter((s) => !granted.includes(s));
  if (missing.length === 0) {
    return passed('slack.scopes', 'Slack scopes', `the token has all ${required.length} the bot needs`);
  }
  return failed(
    'slack.scopes',
    'Slack scopes',
    `the token lacks ${missing.join(', ')}`,
    "add them under the app's OAuth & Permissions, Bot Token Scopes (or update the app from manifest.yml), then reinstall the app in the workspace",
  );
}

async function channelCheck(slack: DoctorSlackPort, id: string, bot: string): Promise<DoctorCheck> {
  const check = { id: `slack.channel:${id}`, title: `alert channel ${id}` };
  const invite = (where: string) => `invite the bot there: /invite @${bot} in ${where}`;
  try {
    const info = await slack.channelInfo(id);
    const where = info.name === undefined ? id : `#${info.name}`;
    if (info.isArchived) {
      return failed(
        check.id,
        check.title,
        `${where} is archived: alerts cannot be posted there`,
        'unarchive it, or name another channel in the config',
      );
    }
    if (!info.isMember) {
      return failed(check.id, check.title, `the bot is not a member of ${where}`, invite(where));
    }
    return passed(
      check.id,
      check.title,
      `the bot is a member of ${where}${info.isPrivate ? ' (a private channel)' : ''}`,
    );
  } catch (error) {
    const e = slackErrorOf(error);
    if (e.error === 'channel_not_found') {
      return failed(
        check.id,
        check.title,
        'the bot cannot see this channel: a private channel it is not in, or a wrong ID',
        `${invite('the channel')}, or correct the channel ID in the config`,
      );
    }
    if (e.error === 'missing_scope') {
      return failed(
        check.id,
        check.title,
        'conversations.info: missing_scope',
        'add the channels:read and groups:read bot scopes, then reinstall the app',
      );
    }
    return failed(
      check.id,
      check.title,
      `conversations.info failed: ${e.error}`,
      'check the network, proxies, and SLACK_API_URL if set',
    );
  }
}

async function groupCheck(slack: DoctorSlackPort, id: string): Promise<DoctorCheck> {
  const check = { id: `slack.admin-group:${id}`, title: `admin user group ${id}` };
  try {
    const members = await slack.usergroupMembers(id);
    return members.length === 0
      ? passed(check.id, check.title, 'resolves, but has no members: nobody is an admin through it')
      : passed(check.id, check.title, `resolves to ${members.length} member${members.length === 1 ? '' : 's'}`);
  } catch (error) {
    const e = slackErrorOf(error);
    if (e.error === 'no_such_subteam') {
      return failed(
        check.id,
        check.title,
        'Slack knows no user group with this ID',
        "correct slack.admins: a user group's ID starts with S (in the group's page)",
      );
    }
    if (e.error === 'missing_scope') {
      return failed(
        check.id,
        check.title,
        'usergroups.users.list: missing_scope',
        'add the usergroups:read bot scope, then reinstall the app',
      );
    }
    return failed(
      check.id,
      check.title,
      `usergroups.users.list failed: ${e.error}`,
      'check the network, proxies, and SLACK_API_URL if set',
    );
  }
}

function slackErrorOf(error: unknown): SlackCallError {
  if (error instanceof SlackCallError) return error;
  return new SlackCallError('retry', messageOf(error) ?? String(error));
}
