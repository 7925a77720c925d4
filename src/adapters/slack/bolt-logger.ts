import { type Logger, LogLevel } from '@slack/bolt';
import type { Log } from '../../usecases/log-port.js';

/** Bolt's warnings and errors, in the bot's log; its debug and info lines are dropped. */
export function boltLogger(log: Log): Logger {
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
