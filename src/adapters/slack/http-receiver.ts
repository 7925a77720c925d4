import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, type Logger } from '@slack/bolt';
import type { Log } from '../../usecases/log-port.js';
import { timestampRefusal, unsigned } from './request-window.js';

/** Where Slack sends commands, interactions and events over HTTP. */
export const EVENTS_PATH = '/slack/events';

/** Bolt's HTTP receiver: it checks every request's signature with the signing secret. */
export function httpReceiver(signingSecret: string | undefined, logger: Logger): HTTPReceiver {
  return new HTTPReceiver({ signingSecret: signingSecret ?? '', endpoints: EVENTS_PATH, logger });
}

/**
 * Hands the receiver the requests whose timestamps are within five minutes of now (it then checks their signatures);
 * any other is refused with a 401 and a log line.
 */
export function timelyRequests(
  receiver: HTTPReceiver,
  log: Log,
  now: () => Date,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const refusal = unsigned(req.headers) ? undefined : timestampRefusal(req.headers, now());
    if (refusal !== undefined) {
      // Neither the signature nor the body: only what says why, and from where.
      log.warn(
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
    receiver.requestListener(req, res);
  };
}
