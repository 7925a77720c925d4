import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, type Logger, LogLevel } from '@slack/bolt';
import { SentinelError } from '../../core/errors.js';
import type { Log } from '../../usecases/log-port.js';
import type { BotListeners, Reply } from '../../usecases/slack-listeners.js';
import { ACTIONS, COMMAND, VIEWS } from '../../usecases/slack-surface.js';
import { slackError } from './errors.js';
import { timestampRefusal, unsigned } from './request-window.js';
import { WebClientPort } from './web-client-port.js';

/** How long one Web API call may take. */
const SLACK_CALL_TIMEOUT_MS = 15_000;
/** Where Slack sends commands, interactions and events over HTTP. */
const EVENTS_PATH = '/slack/events';
/**
 * How long shutdown waits for requests in flight (Bolt answers an unacknowledged one after 3 s) before it closes
 * their connections.
 */
const SHUTDOWN_GRACE_MS = 5_000;

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
  readonly listeners: BotListeners;
  /** GET /healthz: the status code and JSON body. */
  readonly health: () => { status: number; body: unknown };
  /** The clock a request's timestamp is judged by (HTTP mode). */
  readonly now?: () => Date;
}

export interface SlackApp {
  readonly client: WebClientPort;
  readonly mode: 'http' | 'socket';
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
      ? { appToken: options.appToken, socketMode: true }
      : { receiver: new HTTPReceiver({ signingSecret: options.signingSecret ?? '', endpoints: EVENTS_PATH, logger }) };
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
    ...(socket && options.apiUrl !== undefined
      ? {
          installerOptions: {
            clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 0 }, timeout: SLACK_CALL_TIMEOUT_MS },
          },
        }
      : {}),
  });
  app.error(async (error) => {
    options.log.error(
      { event: 'slack', error: error.message, code: (error as { code?: string }).code },
      'a listener failed',
    );
  });
  register(app, options.listeners, options.log);
  const client = new WebClientPort(app.client);

  const toSlack = (req: IncomingMessage, res: ServerResponse, receive: HTTPReceiver) => {
    const refusal = unsigned(req.headers) ? undefined : timestampRefusal(req.headers, now());
    if (refusal !== undefined) {
      // Neither the signature nor the body: only what says why, and from where.
      options.log.warn(
        {
          event: 'slack-request',
          refused: refusal.reason,
          skewSeconds: refusal.skewSeconds,
          from: req.socket.remoteAddress,
        },
        'a request stamped more than five minutes from now (or not stamped) was refused',
      );
      res.writeHead(401).end();
      req.resume();
      return;
    }
    receive.requestListener(req, res);
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/healthz') {
        const { status, body } = options.health();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else if (receiver !== undefined && req.method === 'POST' && path === EVENTS_PATH) {
        toSlack(req, res, receiver);
      } else res.writeHead(404).end();
    } catch (error) {
      options.log.error({ event: 'slack-request', error: (error as Error).message }, 'a request could not be handled');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });

  return {
    client,
    mode: socket ? 'socket' : 'http',
    async start() {
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
      if (socket) {
        try {
          await app.start();
        } catch (error) {
          await close(server);
          throw slackError('SLACK_APP_TOKEN', error);
        }
      }
      return { port: (server.address() as AddressInfo).port, botUserId };
    },
    async stop() {
      if (socket)
        await Promise.resolve()
          .then(() => app.stop())
          .catch(() => undefined);
      await close(server);
    },
  };
}

function register(app: App, listeners: BotListeners, log: Log): void {
  app.command(COMMAND, async ({ command, ack, respond }) => {
    const reply = await listeners.command(command.user_id, command.text, (r) => respond(asResponse(r)));
    await ack(asResponse(reply));
  });

  app.action(ACTIONS.acknowledge, async ({ ack, body, respond }) => {
    await ack();
    const location = locationOf(body);
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (location === undefined || triggerId === undefined) return;
    await listeners.acknowledgeClick({ userId: body.user.id, triggerId, location }, (r) => respond(asEphemeral(r)));
  });

  const trust = async (args: { ack: () => Promise<void>; body: unknown; respond: (m: object) => Promise<unknown> }) => {
    await args.ack();
    const body = args.body as {
      user: { id: string };
      actions?: { value?: string; selected_option?: { value: string }; action_ts?: string }[];
    };
    const action = body.actions?.[0];
    const account = action?.value ?? action?.selected_option?.value;
    const location = locationOf(args.body);
    if (account === undefined || location === undefined) return;
    await listeners.trustClick(
      {
        userId: body.user.id,
        account,
        location,
        requestKey: `action:${location.channel}:${location.ts}:${account}:${action?.action_ts ?? ''}`,
      },
      (r) => args.respond(asEphemeral(r)),
    );
  };
  app.action(ACTIONS.trustAccount, (args) => trust(args));
  app.action(ACTIONS.trustAccountMenu, (args) => trust(args));

  app.action(ACTIONS.scanNow, async ({ ack, body }) => {
    await ack();
    await listeners.scanNow(body.user.id);
  });

  app.view(VIEWS.acknowledge, async ({ ack, body, view }) => {
    const values = view.state.values as Record<
      string,
      Record<
        string,
        { value?: string | null; selected_option?: { value: string } | null; selected_date?: string | null }
      >
    >;
    const errors = await listeners.acknowledgeSubmit({
      userId: body.user.id,
      viewId: view.id,
      metadata: view.private_metadata,
      reason: values.ack_reason?.reason?.value ?? '',
      period: values.ack_period?.period?.selected_option?.value,
      date: values.ack_date?.date?.selected_date ?? undefined,
    });
    await ack(errors === undefined ? undefined : { response_action: 'errors', errors });
  });

  app.action(ACTIONS.remediate, async ({ ack, body, respond }) => {
    await ack();
    const location = locationOf(body);
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (location === undefined || triggerId === undefined) return;
    await listeners.remediateClick({ userId: body.user.id, triggerId, location }, (r) => respond(asEphemeral(r)));
  });

  app.action(ACTIONS.undoRemediation, async ({ ack, body, respond }) => {
    await ack();
    const action = (body as { actions?: { value?: string; action_ts?: string }[] }).actions?.[0];
    if (action?.value === undefined) return;
    await listeners.undoClick(
      {
        userId: body.user.id,
        remediationId: action.value,
        requestKey: `undo:${action.value}:${action.action_ts ?? ''}`,
      },
      (r) => respond(asEphemeral(r)),
    );
  });

  app.view(VIEWS.remediate, async ({ ack, body, view }) => {
    const values = view.state.values as Record<string, Record<string, { selected_options?: { value: string }[] }>>;
    const answer = await listeners.remediateSubmit({
      userId: body.user.id,
      viewId: view.id,
      metadata: view.private_metadata,
      force: (values.remediate_force?.force?.selected_options ?? []).some((o) => o.value === 'force'),
    });
    if (answer?.errors !== undefined) await ack({ response_action: 'errors', errors: answer.errors });
    else if (answer?.update !== undefined) await ack({ response_action: 'update', view: answer.update as never });
    else await ack();
  });

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await listeners.homeOpened(event.user).catch((error: unknown) => {
      log.warn({ event: 'home', user: event.user, error: (error as Error).message }, 'could not publish the Home tab');
    });
  });
}

/** Where the message a button sits in is: the container Slack names, never anything the button carries. */
function locationOf(body: unknown): { channel: string; ts: string } | undefined {
  const b = body as {
    container?: { channel_id?: string; message_ts?: string };
    channel?: { id?: string };
    message?: { ts?: string };
  };
  const channel = b.container?.channel_id ?? b.channel?.id;
  const ts = b.container?.message_ts ?? b.message?.ts;
  return channel === undefined || ts === undefined ? undefined : { channel, ts };
}

function asResponse(reply: Reply) {
  return { response_type: reply.response_type, text: reply.text, blocks: reply.blocks as never[] };
}

/** A reply to a button: seen by the clicker only, and never in place of the alert it came from. */
function asEphemeral(reply: Reply) {
  return { ...asResponse(reply), response_type: 'ephemeral' as const, replace_original: false };
}

function boltLogger(log: Log): Logger {
  let level = LogLevel.WARN;
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => log.warn({ event: 'bolt' }, text(msg)),
    error: (...msg: unknown[]) => log.error({ event: 'bolt' }, text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** Listens on the port, or says in one line why it cannot: something else has it, or it needs privileges. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, port));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function listenError(error: NodeJS.ErrnoException, port: number): SentinelError {
  const what =
    error.code === 'EADDRINUSE'
      ? `PORT ${port} is already in use: stop what listens there, or set PORT to a free port`
      : error.code === 'EACCES'
        ? `PORT ${port} needs privileges this process does not have: set PORT to 1024 or above (or give it CAP_NET_BIND_SERVICE)`
        : `cannot listen on PORT ${port} (${error.code ?? error.message}): set PORT to a port this process may use`;
  return new SentinelError('environment', what, { cause: error });
}

/**
 * Stops taking connections and closes the idle ones; requests in flight get a few seconds to be answered, then their
 * connections are closed too.
 */
async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      grace = setTimeout(resolve, SHUTDOWN_GRACE_MS);
    }),
  ]);
  clearTimeout(grace);
  server.closeAllConnections();
  await closed;
}
