import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HANG, type Reply } from './reply.js';
import type { Router } from './router.js';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly latencyMs: number;
  /** Epoch ms handed to the router as the request's time. */
  readonly clock: () => number;
  /** Called when a request is taken in that will never be answered. */
  readonly onHang: () => void;
  /** A promise to wait for before the request is carried out (a test holding it), or undefined to go on at once. */
  readonly gate?: (headers: IncomingHttpHeaders) => Promise<void> | undefined;
}

export interface Listening {
  readonly url: string;
  stop(): Promise<void>;
}

/** Longer than any client keeps an idle socket, so a reused keep-alive socket is never closed under the client. */
const KEEP_ALIVE_MS = 65_000;

function internalFailure(error: unknown): Reply {
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    contentType: 'application/x-amz-json-1.1',
    body: JSON.stringify({ __type: 'InternalFailure', message }),
  };
}

/** Serves the router over HTTP/1.1 keep-alive, each answer `latencyMs` after its request arrived. */
export async function listen(router: Router, options: ListenOptions): Promise<Listening> {
  const delayed = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const carryOut = () => {
      const body =
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      let reply: Reply | typeof HANG | Promise<Reply>;
      try {
        reply = router.route({
          headers: req.headers,
          body,
          requestId,
          now: options.clock(),
          method: req.method,
          path: req.url,
        });
      } catch (error) {
        reply = internalFailure(error);
      }
      if (reply === HANG) {
        options.onHang();
        return;
      }
      if (reply instanceof Promise) {
        // An answer that waits (SQS's long poll): latency counts from when it is ready.
        void reply.then(answerWith, (error: unknown) => answerWith(internalFailure(error)));
        return;
      }
      answerWith(reply);
    };
    const answerWith = (answer: Reply) => {
      if (res.destroyed) return;
      const send = () => {
        res.writeHead(answer.status, {
          ...answer.headers,
          'content-type': answer.contentType,
          'content-length': Buffer.byteLength(answer.body),
          'x-amzn-requestid': requestId,
        });
        res.end(answer.body);
      };
      const wait = Math.ceil(options.latencyMs - (performance.now() - arrivedAt));
      if (wait < 1) {
        send();
        return;
      }
      const timer = setTimeout(() => {
        delayed.delete(timer);
        send();
      }, wait);
      delayed.add(timer);
    };
    req.on('end', () => {
      const gate = options.gate?.(req.headers);
      if (gate === undefined) carryOut();
      else void gate.then(carryOut);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
