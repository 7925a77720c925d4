import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { messageOf, SentinelError } from '../../core/errors.js';
import type { Log } from '../../usecases/log-port.js';
import { EVENTS_PATH } from './http-receiver.js';

/**
 * How long shutdown waits for requests in flight (Bolt answers an unacknowledged one after 3 s) before it closes
 * their connections.
 */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The adapter's own HTTP server, in both modes: GET /healthz answers with `health`, and (over HTTP) POSTs to
 * /slack/events go to `events`; anything else is a 404.
 */
export function adapterServer(options: {
  health: () => { status: number; body: unknown };
  events: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  log: Log;
}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/healthz') {
        const { status, body } = options.health();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else if (options.events !== undefined && req.method === 'POST' && path === EVENTS_PATH) {
        options.events(req, res);
      } else res.writeHead(404).end();
    } catch (error) {
      options.log.error({ event: 'slack-request', error: messageOf(error) }, 'a request could not be handled');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
}

/** Listens on the port, or says in one line why it cannot: something else has it, or it needs privileges. */
export function listen(server: Server, port: number, host: string): Promise<void> {
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
export async function close(server: Server): Promise<void> {
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
