import { composeLog, composeWatch } from '../../compose.js';
import { SentinelError } from '../../core/errors.js';
import type { Recheck } from '../../usecases/events/event-consumer.js';
import { configFor, withRecord } from '../context.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const watchHelp = `Usage: kms-sentinel watch [--config FILE] [--db FILE] [--format text|json]

Reads the KMS change events of the config's events.queueUrl (CloudTrail through EventBridge to SQS) and reads each
changed key again at once, recording it as the bot does: new findings wait in the record's outbox for a bot to
post. No Slack. Prints one line per key read again (JSON lines with --format json); logs go to stderr.

Options:
  --config FILE    config file (default: $KMS_SENTINEL_CONFIG, else ./kms-sentinel.yml when present)
  --db FILE        database to record in (default: the config's database:)
  --format FORMAT  text (default) or json

Exit status: 0 stopped by SIGTERM or SIGINT, 2 bad configuration (no events: section, say) or a queue that cannot
be read, 4 the database cannot be used.
`;

export async function watchCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    config: { type: 'string' },
    db: { type: 'string' },
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(watchHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`watch takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const format = formatOption(values.format, ['text', 'json'] as const);
  const config = await configFor(values.config, io);
  const events = config.events;
  if (events === undefined) {
    throw new SentinelError(
      'invalid-config',
      'the config has no events: section: add events: { queueUrl: ... } with the URL of the queue the KMS events arrive on (docs/events.md)',
    );
  }
  const log = await composeLog(io.env.LOG_LEVEL, { pretty: io.stderrIsTTY });
  const print = (r: Recheck) => io.stdout(`${format === 'json' ? JSON.stringify(r) : recheckLine(r)}\n`);
  // SIGTERM asks the consumer to stop; the process exits only once the batch under way is settled, the log flushed and
  // the database closed (the interrupt handler waits for all of it).
  let askStop: () => void = () => {};
  const stopAsked = new Promise<void>((resolve) => {
    askStop = resolve;
  });
  let settled: () => void = () => {};
  const allSettled = new Promise<void>((resolve) => {
    settled = resolve;
  });
  const stopWatching = io.onInterrupt?.(async () => {
    askStop();
    await allSettled;
    return 0;
  });
  try {
    return await withRecord(config, values.db, 'create', async (record) => {
      const watch = await composeWatch({ ...config, events }, io.env, record, log, print);
      try {
        await watch.check();
        watch.start();
        await stopAsked;
        return 0;
      } finally {
        await watch.stop();
        log.flush();
      }
    });
  } finally {
    settled();
    stopWatching?.();
  }
}

/** One re-check, on one line. */
export function recheckLine(r: Recheck): string {
  const where = r.keyArn === '' ? `${r.accountId}/${r.region}` : r.keyArn;
  const counts =
    r.outcome === 'recorded' ? ` ${r.newFindings} new, ${r.resolved} resolved, ${r.stillOpen} still open` : '';
  return `${r.at} ${r.outcome} ${where} (${r.events.join(', ')})${counts}${r.detail === undefined ? '' : `: ${r.detail}`}`;
}
