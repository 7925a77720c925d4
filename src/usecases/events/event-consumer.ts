import { messageOf } from '../../core/errors.js';
import { type KeyRef, keyEventOf } from '../../core/events/key-event.js';
import { type KeyRead, planReads, readMeetsExpectations } from '../../core/events/read-plan.js';
import type { EventQueuePort, QueuedMessage } from '../event-queue-port.js';
import type { Log } from '../log-port.js';
import type { RecordWrites } from '../record-writes.js';
import type { ChangedKeyRead } from './changed-key-reader.js';
import { startRescan } from './event-rescans.js';
import { seenOf } from './events-seen.js';
import { type HandleLedger, handleLedger } from './handle-ledger.js';
import { callTime, PolicyOvertakes } from './policy-overtakes.js';
import { graceAfter } from './stop-grace.js';

/** How long a read that disagrees with its event (KMS not caught up yet) is tried again before it is trusted. */
export const CONSISTENCY_WINDOW_MS = 5 * 60_000;
/** Messages taken in one batch at most (a burst larger than this is the next batch's). */
const MAX_BATCH = 1000;
const LONG_POLL_SECONDS = 20;
/** After a stop request, the batch under way has this long to finish its reads. */
const STOP_GRACE_MS = 20_000;
/** A call the bot itself made (a remediation) is read once the remediation has recorded its own outcome. */
const OWN_CALL_DELAY_SECONDS = 15;

export interface EventConsumerSettings {
  /** Messages for the same key within this many seconds become one read. */
  readonly coalesceSeconds: number;
  /** More changed keys than this in one account-region in one batch: the account-region is scanned instead. */
  readonly maxKeysPerBurst: number;
}

/** Scans one account-region for events that are too many, or name no key. */
export interface RescanPort {
  /** Starts the scan; resolves true once it is recorded complete. Undefined: a scan is running, try later. */
  start(accountId: string, region: string): Promise<boolean> | undefined;
}

/** One key read again for events, as `watch` prints it and the bot logs it. */
export interface Recheck {
  readonly at: string;
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly events: readonly string[];
  readonly outcome: 'recorded' | 'set-aside' | 'skipped' | 'failed' | 'read-again-later' | 'rescan';
  readonly newFindings: number;
  readonly resolved: number;
  readonly stillOpen: number;
  readonly detail?: string;
}

export interface EventConsumerParts {
  readonly queue: EventQueuePort;
  readonly reader: { read(keys: readonly KeyRef[], signal: AbortSignal): Promise<Map<string, ChangedKeyRead>> };
  readonly record: Pick<RecordWrites, 'recordKeyRead' | 'noteEvents'>;
  readonly rescans: RescanPort;
  /** Whether the config scans this account-region. */
  readonly inScope: (accountId: string, region: string) => boolean;
  /** Whether a call was the bot's own (its role's session). */
  readonly isOurs: (callerArn: string | undefined) => boolean;
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: Log;
  readonly settings: EventConsumerSettings;
  /** Hears each re-check once it is settled (the bot wakes its notifier; `watch` prints it). */
  readonly onRecheck?: (recheck: Recheck) => void;
}

/** What the consumer has done so far, for `/kms status` and `/healthz`. */
export interface ConsumerStatus {
  readonly running: boolean;
  readonly lastReceiveAt: string | null;
  /** The oldest message of the last batch, when it was sent. */
  readonly lastBatchOldestSentAt: string | null;
  readonly rechecks: number;
  readonly lastError: string | null;
}

/**
 * Reads KMS change events from the queue and has each changed key read again and recorded: one batch at a time (it
 * polls only when it is free), messages for one key coalesced into one read, a message deleted only once what it
 * asked for is recorded. The event is a hint; the read is the truth.
 */
export class EventConsumer {
  private readonly parts: EventConsumerParts;
  private lastReceiveAt: string | null = null;
  private lastBatchOldestSentAt: string | null = null;
  private rechecks = 0;
  private lastError: string | null = null;
  private running = false;
  private readonly overtakes = new PolicyOvertakes();
  /** The call time (ms) of each message of the batch under way, from its event. */
  private callTimes = new Map<string, number>();

  constructor(parts: EventConsumerParts) {
    this.parts = parts;
  }

  status(): ConsumerStatus {
    return {
      running: this.running,
      lastReceiveAt: this.lastReceiveAt,
      lastBatchOldestSentAt: this.lastBatchOldestSentAt,
      rechecks: this.rechecks,
      lastError: this.lastError,
    };
  }

  /** Runs until `signal` aborts; the batch under way is finished first (nothing it read is lost). */
  async run(signal: AbortSignal): Promise<void> {
    this.running = true;
    let failures = 0;
    try {
      while (!signal.aborted) {
        try {
          const batch = await this.take(signal);
          if (batch.length > 0) {
            const grace = graceAfter(signal, STOP_GRACE_MS, this.parts.sleep);
            try {
              await this.handle(batch, grace.signal);
            } finally {
              grace.done();
            }
          }
          if (this.lastError !== null) this.parts.log.info({ event: 'events' }, 'events are handled again');
          this.lastError = null;
          failures = 0;
        } catch (error) {
          failures++;
          const message = messageOf(error);
          if (message !== this.lastError) {
            this.parts.log.warn({ event: 'events', error: message }, 'events could not be handled; retrying');
          }
          this.lastError = message;
          await this.parts.sleep(Math.min(60_000, 2_000 * 2 ** Math.min(failures, 5)), signal);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Waits for a first message, gives the burst `coalesceSeconds` to arrive, then takes what is there. */
  private async take(signal: AbortSignal): Promise<QueuedMessage[]> {
    const { queue, settings, now } = this.parts;
    const first = await queue.receive(10, LONG_POLL_SECONDS, signal);
    this.lastReceiveAt = now().toISOString();
    if (first.length === 0 || signal.aborted) return first;
    if (settings.coalesceSeconds > 0) await this.parts.sleep(settings.coalesceSeconds * 1000, signal);
    const batch = [...first];
    while (batch.length < MAX_BATCH && !signal.aborted) {
      const more = await queue.receive(10, 0, signal);
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  private async handle(batch: readonly QueuedMessage[], signal: AbortSignal): Promise<void> {
    const { log, settings } = this.parts;
    const messages = new Map(batch.map((m) => [m.handle, m]));
    const events = batch.map((m) => ({ handle: m.handle, event: keyEventOf(m.body) }));
    this.lastBatchOldestSentAt = new Date(Math.min(...batch.map((m) => m.sentAt.getTime()))).toISOString();
    const now0 = this.parts.now();
    await this.parts.record.noteEvents(
      seenOf(
        events.map((e) => e.event),
        now0,
      ),
      now0,
    );
    const plan = planReads(events, {
      maxKeysPerBurst: settings.maxKeysPerBurst,
      inScope: this.parts.inScope,
      isOurs: this.parts.isOurs,
    });
    const names = new Map(
      events.map(({ handle, event }) => [
        handle,
        event.kind === 'change' || event.kind === 'rescan' ? event.eventName : event.kind,
      ]),
    );
    const ledger = handleLedger(messages, names);
    this.callTimes = new Map(events.map(({ handle, event }) => [handle, callTime(event, messages.get(handle))]));
    this.overtakes.forgetBefore(this.parts.now().getTime() - 2 * CONSISTENCY_WINDOW_MS);
    for (const { handle, why } of plan.dropped) {
      const malformed = events.find((e) => e.handle === handle)?.event.kind === 'malformed';
      const fields = { event: 'events', messageId: messages.get(handle)?.messageId, why };
      if (malformed) log.warn(fields, 'an events-queue message that is not a KMS event was deleted');
      else log.info(fields, 'an event with nothing to read was deleted');
      ledger.done(handle);
    }
    for (const rescan of plan.rescans) startRescan(this.parts, rescan, ledger);
    const now = this.parts.now();
    const due: KeyRead[] = [];
    for (const read of plan.reads) {
      if (read.ours && read.handles.every((h) => (messages.get(h)?.receiveCount ?? 1) === 1)) {
        // The bot's own remediation: it records its own outcome; read the key after that, so nothing is said twice.
        for (const h of read.handles) ledger.later(h, OWN_CALL_DELAY_SECONDS);
      } else {
        due.push(read);
      }
    }
    const results = await this.parts.reader.read(
      due.map((r) => r.key),
      signal,
    );
    for (const read of due) {
      const result = results.get(read.key.arn) ?? { kind: 'failed', why: 'not read' };
      await this.settle(read, result, ledger, now);
    }
    await ledger.finish(this.parts.queue, log);
    log.info(
      {
        event: 'events',
        messages: batch.length,
        reads: due.length,
        rescans: plan.rescans.length,
        dropped: plan.dropped.length,
      },
      'a batch of events was handled',
    );
  }

  private async settle(read: KeyRead, result: ChangedKeyRead, ledger: HandleLedger, now: Date): Promise<void> {
    const { key } = read;
    const events = [...new Set(read.handles.map((h) => ledger.eventNameOf(h)))];
    const report = (outcome: Recheck['outcome'], fields: Partial<Recheck> = {}) => {
      this.rechecks++;
      this.parts.onRecheck?.({
        at: this.parts.now().toISOString(),
        keyArn: key.arn,
        accountId: key.accountId,
        region: key.region,
        events,
        outcome,
        newFindings: 0,
        resolved: 0,
        stillOpen: 0,
        ...fields,
      });
    };
    if (result.kind === 'skipped') {
      for (const h of read.handles) ledger.done(h);
      report('skipped', { detail: result.why });
      return;
    }
    if (result.kind === 'failed') {
      for (const h of read.handles) ledger.failed(h);
      this.parts.log.warn({ event: 'events', keyArn: key.arn, error: result.why }, 'a changed key could not be read');
      report('failed', { detail: result.why });
      return;
    }
    const firstSent = Math.min(...read.handles.map((h) => ledger.sentAt(h)));
    const grantIds = new Set((result.key.grants ?? []).map((g) => g.grantId));
    const caughtUp = readMeetsExpectations(read.expect, { policy: result.key.policy, grantIds });
    const waited = now.getTime() - firstSent;
    // What KMS shows is recorded either way: it is the truth as of this read (a later change may have overtaken the
    // event, and an exposure it shows must not wait). A read that does not show the event yet is read again later,
    // unless a message sent after this one's was already read and shown: that later change overtook it.
    const lastCall = Math.max(...read.handles.map((h) => this.callTimes.get(h) ?? ledger.sentAt(h)));
    const overtaken = this.overtakes.judge(read, { policy: result.key.policy, grantIds }, lastCall);
    const readAgain = !caughtUp && !overtaken && waited < CONSISTENCY_WINDOW_MS;
    const outcome = await this.parts.record.recordKeyRead({
      key: result.key,
      readAt: result.readAt,
      now: this.parts.now(),
      cause: `read again after ${events.join(', ')}`,
      actor: 'event',
    });
    if (readAgain) {
      const receives = Math.max(...read.handles.map((h) => ledger.receiveCount(h)));
      const seconds = Math.ceil(Math.min((CONSISTENCY_WINDOW_MS - waited) / 1000, 5 * 2 ** (receives - 1)));
      for (const h of read.handles) ledger.later(h, Math.max(1, seconds));
      report('read-again-later', {
        newFindings: outcome.newFindings,
        resolved: outcome.resolved,
        stillOpen: outcome.stillOpen,
        detail: `KMS does not show the change yet (what it shows was recorded); read again in ${seconds} s`,
      });
      return;
    }
    for (const h of read.handles) ledger.done(h);
    const detail = [
      ...(caughtUp
        ? []
        : overtaken
          ? ['a later change to the key, already read, overtook this event']
          : ['KMS still did not show what the event said after five minutes: the read was trusted']),
      ...result.problems,
      ...(outcome.setAside === undefined ? [] : [`a newer reading stands: ${outcome.setAside}`]),
    ].join('; ');
    report(outcome.recorded ? 'recorded' : 'set-aside', {
      newFindings: outcome.newFindings,
      resolved: outcome.resolved,
      stillOpen: outcome.stillOpen,
      ...(detail === '' ? {} : { detail }),
    });
  }
}
