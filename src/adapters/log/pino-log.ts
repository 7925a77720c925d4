import { pino } from 'pino';
import type { Log } from '../../usecases/log-port.js';

/**
 * JSON lines on stderr from pino, at `level` (LOG_LEVEL; default info). Fields that might hold a secret are
 * redacted whatever a caller passes (the tokens, the signing secret, AWS credentials).
 */
export function pinoLog(
  level: string | undefined,
  destination: NodeJS.WritableStream = process.stderr,
): Log & { flush(): void } {
  const logger = pino(
    {
      level: level && pino.levels.values[level] !== undefined ? level : 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
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
