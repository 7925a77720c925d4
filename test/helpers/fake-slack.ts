import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { deadline, WAIT_MS } from './clock.js';

/** A call the bot made to the fake Web API, its parameters decoded (`blocks` and `view` parsed from their JSON). */
export interface SlackCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly auth: string | undefined;
  readonly at: number;
}

/** What a handler answers: [HTTP status, JSON body, headers]. */
export type FakeAnswer = [number, unknown, Record<string, string>?];
export type FakeHandler = (
  params: Record<string, unknown>,
  call: SlackCall,
) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;

/** A channel as conversations.info shows it to the bot. */
export interface FakeChannel {
  readonly name: string;
  /** Whether the bot is in it (default true). */
  readonly member?: boolean;
  readonly private?: boolean;
  readonly archived?: boolean;
}

/** The bot scopes manifest.yml declares: what a token of the app installed from it has. */
function manifestScopes(): string[] {
  const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return [...manifest.oauth_config.scopes.bot];
}

export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs: string | undefined;
  text: string;
  blocks: unknown[];
  readonly metadata: unknown;
  readonly broadcast: boolean;
}

/**
 * A loopback stand-in for Slack's Web API (SLACK_API_URL points the bot at it) and for response_url. It keeps the
 * messages posted, so that chat.update and conversations.history answer as Slack would, and lets a test override
 * any method (a 429 storm, 500s, channel_not_found). `events` emits 'call' and 'response' as they arrive, so tests
 * await them instead of sleeping.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: { path: string; body: Record<string, unknown> }[] = [];
  readonly messages: PostedMessage[] = [];
  readonly events = new EventEmitter();
  readonly overrides = new Map<string, FakeHandler>();
  /** Members of user groups, for usergroups.users.list. */
  readonly groups = new Map<string, string[]>();
  /** What auth.test says (set `ok: false` for a refused token). */
  authTest: Record<string, unknown> = {
    ok: true,
    user: 'kms-sentinel',
    user_id: 'UBOT',
    bot_id: 'BBOT',
    team_id: 'T1',
    team: 'Test',
  };
  /**
   * The scopes the token has, sent as Slack does in the x-oauth-scopes header of every answer (undefined: no header).
   * By default those manifest.yml declares.
   */
  scopes: string[] | undefined = manifestScopes();
  /**
   * Channels for conversations.info. A private channel the bot is not in, or one not listed, is channel_not_found
   * (as Slack answers a bot that cannot see it).
   */
  readonly channels = new Map<string, FakeChannel>();
  /**
   * Set to a token error (`invalid_auth`, `token_revoked`, `account_inactive`…) and every Web API call, auth.test
   * included, is refused with it, as Slack refuses a token that no longer works.
   */
  tokenRefusal: string | undefined;
  /** For Socket Mode: the WebSocket URL apps.connections.open hands out. */
  socketUrl: string | undefined;
  /** The time each call is stamped with (`at`): set it to the bot's ManualClock to see pacing on the bot's clock. */
  now: () => number = Date.now;
  private server: Server | undefined;
  private tick = 0;
  private views = 0;
  base = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, body, headers]) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  /** A response_url for one request. */
  responseUrl(name: string): string {
    return `${this.base}/response/${name}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the calls of `method` once there are at least `count` of them. */
  waitForCalls(method: string, count: number): Promise<SlackCall[]> {
    return deadline(
      (async () => {
        while (this.callsOf(method).length < count) await once(this.events, 'call');
        return this.callsOf(method);
      })(),
      `${count} calls of ${method} (${this.callsOf(method).length} so far)`,
      WAIT_MS,
    );
  }

  waitForResponse(path: string): Promise<Record<string, unknown>> {
    return deadline(
      (async () => {
        for (;;) {
          const found = this.responses.find((r) => r.path === `/response/${path}`);
          if (found !== undefined) return found.body;
          await once(this.events, 'response');
        }
      })(),
      `the response to ${path}`,
      WAIT_MS,
    );
  }

  private async handle(req: IncomingMessage): Promise<FakeAnswer> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const type = String(req.headers['content-type'] ?? '');
    const params: Record<string, unknown> = type.startsWith('application/json')
      ? (JSON.parse(raw || '{}') as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(raw));
    const path = req.url ?? '/';
    if (path.startsWith('/response/')) {
      this.responses.push({ path, body: params });
      this.events.emit('response', path);
      return [200, { ok: true }];
    }
    for (const field of ['blocks', 'view', 'metadata']) {
      if (typeof params[field] === 'string') params[field] = JSON.parse(params[field] as string);
    }
    const method = path.replace(/^\/api\//, '').split('?')[0] ?? '';
    const call: SlackCall = { method, params, auth: req.headers.authorization, at: this.now() };
    this.calls.push(call);
    const refused: FakeAnswer | undefined =
      this.tokenRefusal === undefined ? undefined : [200, { ok: false, error: this.tokenRefusal }];
    const [status, body, headers] =
      refused ?? (await this.overrides.get(method)?.(params, call)) ?? this.answer(method, params);
    this.events.emit('call', method);
    const scopes = this.scopes === undefined ? {} : { 'x-oauth-scopes': this.scopes.join(',') };
    return [status, body, { ...scopes, ...headers }];
  }

  /** What the fake answers without overrides (an override may act, then answer otherwise: posted, yet a 500). */
  defaultAnswer(method: string, params: Record<string, unknown>): FakeAnswer {
    return this.answer(method, params);
  }

  private answer(method: string, p: Record<string, unknown>): FakeAnswer {
    // A channel listed with the bot not in it: Slack will not let it post or read there (a private one it cannot see).
    const listed = this.channels.get(String(p.channel));
    if (
      listed?.member === false &&
      ['chat.postMessage', 'chat.update', 'conversations.history', 'conversations.replies'].includes(method)
    ) {
      return [200, { ok: false, error: listed.private === true ? 'channel_not_found' : 'not_in_channel' }];
    }
    // An archived channel takes no new messages (its history still reads).
    if (listed?.archived === true && method === 'chat.postMessage') return [200, { ok: false, error: 'is_archived' }];
    switch (method) {
      case 'auth.test':
        return [200, this.authTest];
      case 'chat.postMessage': {
        this.tick++;
        const ts = `1800000000.${String(this.tick).padStart(6, '0')}`;
        this.messages.push({
          channel: String(p.channel),
          ts,
          threadTs: p.thread_ts === undefined ? undefined : String(p.thread_ts),
          text: String(p.text ?? ''),
          blocks: (p.blocks as unknown[]) ?? [],
          metadata: p.metadata,
          broadcast: p.reply_broadcast === true || p.reply_broadcast === 'true',
        });
        return [200, { ok: true, channel: p.channel, ts }];
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.channel === p.channel && x.ts === p.ts);
        if (m === undefined) return [200, { ok: false, error: 'message_not_found' }];
        m.text = String(p.text ?? '');
        m.blocks = (p.blocks as unknown[]) ?? [];
        return [200, { ok: true, channel: p.channel, ts: p.ts }];
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const oldest = Number(p.oldest ?? 0);
        const messages = this.messages
          .filter((m) => m.channel === p.channel && Number(m.ts) >= oldest)
          .filter((m) =>
            method === 'conversations.history'
              ? m.threadTs === undefined || m.broadcast
              : m.threadTs === p.ts || m.ts === p.ts,
          )
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            user: 'UBOT',
            bot_id: 'BBOT',
            text: m.text,
            metadata: m.metadata,
          }))
          .sort((x, y) => Number(y.ts) - Number(x.ts));
        // Newest first, `limit` to a page, as Slack pages them.
        const limit = Math.max(1, Number(p.limit ?? 100));
        const start = Number(p.cursor ?? 0);
        const page = messages.slice(start, start + limit);
        const more = start + limit < messages.length;
        return [
          200,
          {
            ok: true,
            messages: page,
            has_more: more,
            response_metadata: { next_cursor: more ? String(start + limit) : '' },
          },
        ];
      }
      case 'conversations.info': {
        const id = String(p.channel);
        const channel = this.channels.get(id);
        const member = channel?.member !== false;
        if (channel === undefined || (channel.private === true && !member))
          return [200, { ok: false, error: 'channel_not_found' }];
        return [
          200,
          {
            ok: true,
            channel: {
              id,
              name: channel.name,
              is_channel: channel.private !== true,
              is_private: channel.private === true,
              is_archived: channel.archived === true,
              is_member: member,
            },
          },
        ];
      }
      case 'usergroups.users.list': {
        const users = this.groups.get(String(p.usergroup));
        return users === undefined ? [200, { ok: false, error: 'no_such_subteam' }] : [200, { ok: true, users }];
      }
      case 'views.open':
        this.views++;
        return [200, { ok: true, view: { id: `V${this.views}`, ...(p.view as object) } }];
      case 'views.update':
        return [200, { ok: true, view: { ...(p.view as object), id: String(p.view_id ?? p.external_id ?? '') } }];
      case 'apps.connections.open':
        return [200, { ok: true, url: this.socketUrl }];
      default:
        return [200, { ok: true }];
    }
  }
}
