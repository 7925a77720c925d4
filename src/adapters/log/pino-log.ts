import { pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Log } from '../../usecases/log-port.js';

/**
 * JSON lines on stderr from pino, at `level` (LOG_LEVEL; default info); readable lines instead when stderr is a
 * terminal (`pretty`). Fields that might hold a secret are redacted whatever a caller passes (the tokens, the
 * signing secret, AWS credentials).
 */
export function pinoLog(
  level: string | undefined,
  options: { pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Log & { flush(): void } {
  const stream = options.destination ?? process.stderr;
  const destination = options.pretty
    ? PinoPretty({
        destination: stream,
        sync: true,
        colorize: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
      })
    : stream;
  const logger = pino(
    {
      level: level && pino.levels.values[level] !== undefined ? level : 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"warn" rather than 40 in the JSON lines; the pretty printer wants pino's numbers.
      ...(options.pretty ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
      redact: {
        paths: [
          'token',
          'botToken',
          'appToken',
          'signingSecret',
          'secret',
          'authorization',
          '*.token',
          '*.authorization',
          'secretAccessKey',
          'sessionToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    flush: () => logger.flush(),
  };
}
