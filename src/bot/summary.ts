import type { Config } from '../config/schema.js';
import { messageOf } from '../core/errors.js';
import { type RecordSummary, summarize } from '../core/summary/summarize.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { RecordReader } from '../usecases/store-port.js';
import type { ScheduleKeeper } from './bot.js';

/** The summary of the record as it stands at `now`. */
export function summaryOf(record: Pick<RecordReader, 'summaryFacts'>, now: Date): RecordSummary {
  return summarize(record.summaryFacts(now), now);
}

/** What the scheduled summary runs on: when it is due, and the clock it reads (tests pass their own). */
export interface SummaryTiming {
  readonly schedule: ScheduleKeeper;
  readonly now: () => Date;
}

/**
 * The scheduled summary (config.summary): at each time its schedule names, the summary is computed and written to the
 * outbox, whose delivering bot posts it to summary.channel (else slack.channel) like any notification: retried,
 * paused with its channel, never posted twice. It is written once per scheduled minute, so that two bots on the file
 * (each with its schedule) or a bot restarted within that minute add no second one.
 */
export class ScheduledSummary {
  private readonly channel: string;
  private readonly timing: SummaryTiming;
  private readonly record: RecordPort;
  private readonly log: Log;
  private readonly wake: () => void;
  private running: { stop(): Promise<void> } | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(config: Config, timing: SummaryTiming, parts: { record: RecordPort; log: Log; wake: () => void }) {
    this.channel = config.summary?.channel ?? (config.slack.channel as string);
    this.timing = timing;
    this.record = parts.record;
    this.log = parts.log;
    this.wake = parts.wake;
  }

  start(): void {
    this.running = this.timing.schedule.start(() => {
      this.pending = this.pending.then(() => this.queue());
    });
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
    await this.pending;
  }

  /** Computes the summary now and writes it to the outbox, unless one was written for this minute already. */
  private async queue(): Promise<void> {
    const now = this.timing.now();
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
    try {
      const summary = summaryOf(this.record, now);
      const queued = await this.record.notifyOnce(
        `summary:${minute}`,
        { kind: 'summary', channel: this.channel, summary },
        now,
      );
      this.log.info(
        { event: 'summary', channel: this.channel, scheduled: minute, outcome: queued ? 'queued' : 'already-queued' },
        queued ? 'the scheduled summary is on its way' : 'the summary of this minute was queued already',
      );
      // Written here or by another bot on the file (which may be on standby): the bot that delivers posts it now.
      this.wake();
    } catch (error) {
      this.log.error(
        { event: 'summary', channel: this.channel, scheduled: minute, outcome: 'failed', error: messageOf(error) },
        'the scheduled summary could not be written',
      );
    }
  }
}
