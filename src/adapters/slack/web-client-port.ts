import { type App, webApi } from '@slack/bolt';
import type { DoctorSlackPort, SlackChannelInfo, SlackTokenInfo } from '../../usecases/doctor/ports.js';
import type { HomeView, Message, ModalView } from '../../usecases/slack-kit.js';
import type { FoundMessage, SlackPort } from '../../usecases/slack-port.js';
import { SlackCallError } from '../../usecases/slack-port.js';
import { toSlackCallError } from './errors.js';

type WebClient = App['client'];
type PostArguments = Parameters<WebClient['chat']['postMessage']>[0];

/**
 * The metadata type of every message the bot posts; its payload is `delivery_id`, the one ID stamped on every outbox
 * row the message carries, however many. (Releases before it named up to 50 row IDs in `outbox_ids`.)
 */
const DELIVERY = 'kms_sentinel_delivery';

/** The bot's Slack port over Bolt's Web API client. Every failure comes out classified (SlackCallError). */
/** Pages of history a search for a message in doubt reads at most before it gives up (and tries later). */
const FIND_PAGES = 25;

export class WebClientPort implements SlackPort, DoctorSlackPort {
  private readonly client: WebClient;
  private me: { userId: string; botId: string | undefined } | undefined;

  constructor(client: WebClient) {
    this.client = client;
  }

  async whoAmI(): Promise<{ userId: string; botId: string | undefined }> {
    if (this.me === undefined) {
      const out = await call(() => this.client.auth.test());
      this.me = { userId: out.user_id ?? '', botId: out.bot_id };
    }
    return this.me;
  }

  /** auth.test afresh, with the scopes Slack says the token has (its x-oauth-scopes header). */
  async tokenInfo(): Promise<SlackTokenInfo> {
    const out = await call(() => this.client.auth.test());
    return {
      userId: out.user_id ?? '',
      user: out.user,
      team: out.team,
      scopes: out.response_metadata?.scopes,
    };
  }

  async channelInfo(channel: string): Promise<SlackChannelInfo> {
    const out = await call(() => this.client.conversations.info({ channel }));
    return {
      name: out.channel?.name,
      isMember: out.channel?.is_member === true,
      isPrivate: out.channel?.is_private === true,
      isArchived: out.channel?.is_archived === true,
    };
  }

  async postMessage(
    channel: string,
    message: Message,
    options: { threadTs?: string; broadcast?: boolean; idempotencyKey?: string } = {},
  ) {
    const args = {
      channel,
      text: message.text,
      blocks: message.blocks as never[],
      unfurl_links: false,
      unfurl_media: false,
      ...(options.threadTs === undefined
        ? {}
        : { thread_ts: options.threadTs, reply_broadcast: options.broadcast === true }),
      ...(options.idempotencyKey === undefined
        ? {}
        : { metadata: { event_type: DELIVERY, event_payload: { delivery_id: options.idempotencyKey } } }),
    };
    // Its argument type is a union of thread and broadcast shapes that the one object above covers.
    const out = await call(() => this.client.chat.postMessage(args as PostArguments));
    return { channel: out.channel ?? channel, ts: out.ts ?? '' };
  }

  async updateMessage(channel: string, ts: string, message: Message): Promise<void> {
    await call(() => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never[] }));
  }

  async openView(triggerId: string, view: ModalView): Promise<string> {
    const out = await call(() => this.client.views.open({ trigger_id: triggerId, view: view as never }));
    return out.view?.id ?? '';
  }

  async updateView(viewId: string, view: ModalView): Promise<void> {
    await call(() => this.client.views.update({ view_id: viewId, view: view as never }));
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    await call(() => this.client.views.publish({ user_id: userId, view: view as never }));
  }

  async usergroupMembers(groupId: string): Promise<string[]> {
    const out = await call(() => this.client.usergroups.users.list({ usergroup: groupId }));
    return out.users ?? [];
  }

  async findPosted(
    channel: string,
    since: Date,
    wanted: { readonly deliveryIds: readonly string[]; readonly outboxIds: readonly number[] },
    threadTs?: string,
  ): Promise<FoundMessage | undefined> {
    const me = await this.whoAmI();
    const oldest = String(since.getTime() / 1000);
    const legacy = new Set(wanted.outboxIds.map(String));
    let cursor: string | undefined;
    // Every page back to `oldest`: a busy channel has more than one page of messages since.
    for (let page = 0; page < FIND_PAGES; page++) {
      const more = cursor === undefined ? {} : { cursor };
      const out = await call(() =>
        threadTs === undefined
          ? this.client.conversations.history({ channel, oldest, limit: 200, include_all_metadata: true, ...more })
          : this.client.conversations.replies({
              channel,
              ts: threadTs,
              oldest,
              limit: 200,
              include_all_metadata: true,
              ...more,
            }),
      );
      for (const m of (out.messages ?? []) as {
        ts?: string;
        user?: string;
        bot_id?: string;
        metadata?: { event_type?: string; event_payload?: { delivery_id?: unknown; outbox_ids?: unknown } };
      }[]) {
        const ours = m.user === me.userId || (me.botId !== undefined && m.bot_id === me.botId);
        if (!ours || m.metadata?.event_type !== DELIVERY || m.ts === undefined) continue;
        const payload = m.metadata.event_payload;
        if (payload?.delivery_id !== undefined) {
          if (wanted.deliveryIds.includes(String(payload.delivery_id))) return { ts: m.ts, by: 'delivery' };
          continue;
        }
        const ids = String(payload?.outbox_ids ?? '').split(',');
        if (ids.some((id) => legacy.has(id)))
          return { ts: m.ts, by: 'outbox-ids', ids: ids.map(Number).filter(Number.isInteger) };
      }
      cursor = (out as { response_metadata?: { next_cursor?: string } }).response_metadata?.next_cursor || undefined;
      if (cursor === undefined || (out as { has_more?: boolean }).has_more === false) return undefined;
    }
    throw new SlackCallError('retry', `more than ${FIND_PAGES * 200} messages to look through`);
  }
}

/**
 * A Web API client of its own, for checks made outside the bot (`doctor`): no retries, every call given `timeoutMs`,
 * and nothing logged (each failure is reported by the caller).
 */
export function standaloneWebClientPort(options: {
  botToken: string;
  apiUrl: string | undefined;
  timeoutMs: number;
}): WebClientPort {
  const quiet = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: () => undefined,
    getLevel: () => webApi.LogLevel.ERROR,
    setName: () => undefined,
  };
  const client = new webApi.WebClient(options.botToken, {
    ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs,
    logger: quiet,
  });
  return new WebClientPort(client);
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSlackCallError(error);
  }
}
