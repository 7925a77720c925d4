import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import type { Log } from '../../usecases/log-port.js';
import type { BotListeners } from '../../usecases/slack-listeners.js';
import { boltLogger } from './bolt-logger.js';
import { slackError } from './errors.js';
import { httpReceiver, timelyRequests } from './http-receiver.js';
import { adapterServer, close, listen } from './http-server.js';
import { registerListeners } from './listeners.js';
import { closeSocket, openSocket, socketModeOptions } from './socket-mode.js';
import { WebClientPort } from './web-client-port.js';

/** How long one Web API call may take. */
const SLACK_CALL_TIMEOUT_MS = 15_000;

export interface SlackAppOptions {
  readonly botToken: string;
  /** HTTP: Bolt's receiver, verifying every request's signature. */
  readonly signingSecret?: string | undefined;
  /** Socket Mode: an app-level token; nothing is exposed but /healthz. */
  readonly appToken?: string | undefined;
  /** The Web API's base URL (SLACK_API_URL); Slack's own when absent. */
  readonly apiUrl?: string | undefined;
  readonly port: number;
  readonly host?: string;
  readonly log: Log;
  /** The clock a request's timestamp is judged by (HTTP mode). */
  readonly now?: () => Date;
}

export interface SlackApp {
  readonly client: WebClientPort;
  readonly mode: 'http' | 'socket';
  /**
   * Hands Slack's requests to `listeners`, and GET /healthz to `health`: once, before start() (the bot is built on
   * this app's client, then attached).
   */
  attach(listeners: BotListeners, health: () => { status: number; body: unknown }): void;
  /** Checks the token (auth.test), then listens; resolves with the port /healthz (and, over HTTP, Slack) reach. */
  start(): Promise<{ port: number; botUserId: string }>;
  stop(): Promise<void>;
}

/**
 * The Slack adapter: the production code that uses @slack/bolt. The same listeners serve both transports; each acks
 * at once with what the bot says, and anything long answers later through response_url. The HTTP server is the
 * adapter's own in both modes: it serves /healthz and, over HTTP, hands Bolt's receiver the requests to
 * /slack/events whose timestamps are within five minutes of now (Bolt then checks their signatures).
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const socket = options.appToken !== undefined;
  const now = options.now ?? (() => new Date());
  const logger = boltLogger(options.log);
  const transport =
    options.appToken !== undefined
      ? socketModeOptions(options.appToken, options.apiUrl, SLACK_CALL_TIMEOUT_MS)
      : { receiver: httpReceiver(options.signingSecret, logger) };
  const receiver = 'receiver' in transport ? transport.receiver : undefined;
  const app = new App({
    token: options.botToken,
    ...transport,
    deferInitialization: true,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions: {
      ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
      // The notifier owns retries and Retry-After; the client must not sleep or retry behind its back.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // A call Slack never answers must not hold the notifier (and shutdown) forever: it fails, and a message it
      // may have posted is looked for before it is sent again.
      timeout: SLACK_CALL_TIMEOUT_MS,
    },
  });
  app.error(async (error) => {
    options.log.error(
      { event: 'slack', error: error.message, code: (error as { code?: string }).code },
      'a listener failed',
    );
  });
  const client = new WebClientPort(app.client);
  let health: (() => { status: number; body: unknown }) | undefined;
  const server = adapterServer({
    health: () => health?.() ?? { status: 503, body: { status: 'starting' } },
    events: receiver === undefined ? undefined : timelyRequests(receiver, options.log, now),
    log: options.log,
  });

  return {
    client,
    mode: socket ? 'socket' : 'http',
    attach(listeners, answer) {
      if (health !== undefined) throw new Error('the Slack app has its listeners already');
      registerListeners(app, listeners, options.log);
      health = answer;
    },
    async start() {
      if (health === undefined) throw new Error('the Slack app was started before its listeners were attached');
      try {
        await app.init();
      } catch (error) {
        throw slackError('SLACK_BOT_TOKEN', error);
      }
      const botUserId = (await client.whoAmI()).userId;
      await listen(server, options.port, options.host ?? '0.0.0.0');
      server.on('error', (error) =>
        options.log.error({ event: 'http', error: error.message }, 'the HTTP server failed'),
      );
      if (socket) await openSocket(app, server);
      return { port: (server.address() as AddressInfo).port, botUserId };
    },
    async stop() {
      if (socket) await closeSocket(app);
      await close(server);
    },
  };
}
