import type { DeliveryPause } from './store-port.js';

/** A paused channel, as /healthz, the CLI and doctor tell it: Slack's error, and what it means and what ends it. */
export interface PausedChannel {
  readonly channel: string;
  readonly reason: string;
  readonly since: string;
  readonly why: string;
  readonly fix: string;
}

/**
 * Whether the bot can deliver: `paused` while Slack refuses its token (`reason`: Slack's error; nothing can be
 * posted) or while it may not post in some channels (`channels`: their messages wait; the others go out).
 */
export interface DeliveryHealth {
  readonly state: 'ok' | 'paused';
  readonly reason: string | null;
  readonly since: string | null;
  readonly channels: readonly PausedChannel[];
}

/** Delivery as /healthz, /kms status and the CLI tell it, from the pauses on record. */
export function deliveryHealth(pauses: readonly DeliveryPause[]): DeliveryHealth {
  const workspace = pauses.find((p) => p.scope === 'workspace');
  const channels = pauses
    .filter((p) => p.scope === 'channel')
    .map((p) => ({ channel: p.channel, reason: p.reason, since: p.since, ...pauseAdvice(p) }));
  return {
    state: workspace === undefined && channels.length === 0 ? 'ok' : 'paused',
    reason: workspace?.reason ?? null,
    since: workspace?.since ?? null,
    channels,
  };
}

/** What a pause means (`why`) and what ends it (`fix`), in words a user can act on. */
export function pauseAdvice(pause: Pick<DeliveryPause, 'scope' | 'reason'>): { why: string; fix: string } {
  if (pause.scope === 'workspace') {
    return {
      why: `Slack refuses the bot token (${pause.reason})`,
      fix: 'give the bot a working SLACK_BOT_TOKEN (reinstall the app if the token was revoked); delivery resumes by itself once Slack accepts it',
    };
  }
  switch (pause.reason) {
    case 'not_in_channel':
      return {
        why: 'the bot is not in the channel',
        fix: 'invite the bot there (/invite @the-bot in the channel), or fix the channel in the config; delivery there resumes by itself',
      };
    case 'channel_not_found':
      return {
        why: 'Slack finds no such channel for the bot: a private channel it was removed from, or a wrong channel ID',
        fix: 'invite the bot back to the channel, or fix the channel ID in the config; delivery there resumes by itself',
      };
    case 'is_archived':
      return {
        why: 'the channel is archived',
        fix: 'unarchive it, or name another channel in the config; delivery there resumes by itself',
      };
    default:
      return {
        why: 'Slack refuses to post there',
        fix: 'let the bot post in the channel, or fix the channel in the config; delivery there resumes by itself',
      };
  }
}

/**
 * Which bot delivers from the database, as a bot sees it: itself (`this-bot`), another one (`another-bot`: this one
 * answers commands and takes over when that one stops), or not known yet (`starting`).
 */
export interface Deliverer {
  readonly state: 'this-bot' | 'another-bot' | 'starting';
  readonly host: string | null;
  readonly pid: number | null;
  readonly since: string | null;
}
