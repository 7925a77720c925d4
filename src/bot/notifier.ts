import { messageOf } from '../core/errors.js';
import type { Deliverer } from '../usecases/delivery-health.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { SlackPort } from '../usecases/slack-port.js';
import { DeliveryLeaseLost } from '../usecases/store-port.js';
import { type DeliveryContext, planContext, StopState } from './delivery-context.js';
import { LeaseKeeper } from './delivery-lease.js';
import { DeliveryPauses } from './delivery-pauses.js';
import { type Delivery, planDeliveries } from './delivery-plan.js';
import { ChannelPoster, NotifierStopped } from './delivery-posting.js';
import { deliverAll, park } from './delivery-round.js';
import { resumeFromRecord } from './delivery-takeover.js';
import { channelOf } from './delivery-target.js';
import { type NotifierSettings, withDefaults } from './notifier-settings.js';

export type { NotifierSettings } from './notifier-settings.js';

const IDLE_MS = 30_000;

/**
 * Notifications read and planned at once (a few MB of rows). A scan's findings that go on beyond the page are not
 * split by it: the digest or alert planned from the page carries the rest from the record (see BatchExtent).
 */
const DUE_PAGE = 20_000;

/** How long a stop waits for Slack to answer a call in flight: well within `docker stop`'s 10 s. */
const STOP_GRACE_MS = 4000;

/**
 * Delivers the record's outbox to Slack. Each message is a delivery: its notifications are claimed and stamped with
 * one delivery ID (the one ID in the message's metadata, however many notifications it carries) before it is sent,
 * and settled together after. A message tried before (a timeout, a 5xx after Slack posted it, a crash) is looked for
 * by that ID, where it was tried, before it is sent again, so nothing is lost and nothing is posted twice. At most
 * one post a second per channel; Slack's Retry-After is honoured; 5xx and network errors are retried with backoff; a
 * message Slack refuses for good is recorded as failed with its error and never blocks the others. A refused token
 * pauses all delivery, and a channel the bot may not post in (not in it, removed from a private one, archived)
 * pauses that channel: their messages wait, counting no attempt, and a paused channel's never hold back another's. A
 * pause ends only when a message goes through: a check that passes (auth.test, conversations.info) lets one message
 * try. It delivers only while it holds the database's delivery lease: one bot per database posts. The lease is
 * checked against the record just before each post, and every claim and settlement of a delivery is refused by the
 * record to a bot that no longer holds it: a bot held up past its term (stopped, paused, its clock off) that resumes
 * posts nothing, settles nothing, and stands by.
 */
export class Notifier {
  private readonly ctx: DeliveryContext;
  private readonly state = new StopState();
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private heartbeat: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  /** The lease was taken and what the last holder left is not yet picked up (see resumeFromRecord). */
  private takenOver = false;

  constructor(record: RecordPort, slack: SlackPort, log: Log, settings: NotifierSettings) {
    const all = withDefaults(settings);
    const pauses = new DeliveryPauses(record, slack, log, {
      channels: all.channels,
      pauseCheckMs: all.pauseCheckMs,
      now: all.now,
      resumed: () => this.wake(),
    });
    const lease = new LeaseKeeper(record, log, all.now);
    const poster = new ChannelPoster(slack, lease, this.state, all);
    this.ctx = { record, slack, log, settings: all, lease, pauses, poster, stop: this.state };
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.ctx.log.error({ event: 'notifier', error: messageOf(error) }, 'the notifier stopped');
    });
    this.heartbeat ??= this.ctx.lease.beat(this.ctx.settings.sleep, this.state.stopped.signal);
  }

  /** Which bot delivers from the database, as this one last saw its lease. */
  deliverer(): Deliverer {
    return this.ctx.lease.deliverer();
  }

  /** Something was written to the outbox: deliver it now rather than at the next idle check. */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Lets the Slack call in flight finish, for up to STOP_GRACE_MS, then stops. A message waiting for its channel's turn
   * or for Slack's Retry-After is not posted: it stays claimed, in doubt, and is looked for in Slack before it is sent
   * after a restart. A call Slack has not answered by then is left in doubt too, and the lease is kept (it lapses, or
   * the next bot sees this process gone): a bot that took over at once could look for the message before it lands.
   */
  async stop(): Promise<void> {
    this.state.stopping = true;
    this.wake();
    this.state.stopped.abort();
    const work = Promise.all([this.loop, this.heartbeat]);
    const grace = new AbortController();
    const late = await Promise.race([
      work.then(() => false),
      this.ctx.settings.sleep(STOP_GRACE_MS, grace.signal).then(() => true),
    ]);
    grace.abort();
    if (!late) return;
    this.state.abandoned = true;
    this.ctx.log.warn(
      { event: 'notifier', state: 'stopped-in-flight', graceMs: STOP_GRACE_MS },
      'stopped before Slack answered a message: it is in doubt, and looked for in Slack before it is sent again after the restart',
    );
  }

  /** Resolves the next time nothing deliverable is due and nothing is being sent (tests, the bench, shutdown). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  private async run(): Promise<void> {
    const { ctx, state } = this;
    const { record, lease, pauses, settings } = ctx;
    let failures = 0;
    while (!state.stopping) {
      try {
        if (!lease.held) {
          if (!lease.worthAsking() || (await lease.take()) === 'standby') {
            // Another bot delivers from this database: this one waits for its lease to end.
            pauses.clear();
            for (const resolve of this.idleWaiters.splice(0)) resolve();
            await this.pause(lease.untilNextTry());
            continue;
          }
          this.takenOver = true;
        }
        if (this.takenOver) {
          await resumeFromRecord(ctx);
          this.takenOver = false;
        }
        await pauses.check(() => state.stopping);
        const blocked = pauses.tokenHeld();
        const held = pauses.heldChannels();
        const rows = blocked ? [] : record.dueNotifications(settings.now(), DUE_PAGE, held);
        const planned = planDeliveries(rows, planContext(ctx, rows.length === DUE_PAGE));
        // Messages for a paused channel are stamped as such, so that the next read passes them by: they never fill
        // the page while other channels' messages wait behind them.
        if (
          (await park(
            ctx,
            planned.filter((d) => pauses.held(channelOf(d))),
          )) > 0
        )
          continue;
        let deliveries = planned.filter((d) => !pauses.held(channelOf(d)));
        if (!blocked && rows.length < DUE_PAGE) {
          await pauses.resumeIdle(deliveries.filter((d) => d.kind !== 'silent').map(channelOf));
        }
        // The token is being tried again: one message is the check, the rest wait for it.
        if (pauses.tokenProbing()) deliveries = firstPost(deliveries);
        if (deliveries.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
          await this.waitForWork(pauses.tokenPaused() || rows.length > 0);
          continue;
        }
        await deliverAll(ctx, deliveries);
        failures = 0;
      } catch (error) {
        if (error instanceof NotifierStopped || state.abandoned) continue;
        if (error instanceof DeliveryLeaseLost) {
          // Another bot took the lease over while this one was held up: what this one claimed is that bot's now.
          lease.lost(error.lease);
          continue;
        }
        // The record failing for a moment (a locked or full disk) must not end delivery for the life of the bot:
        // it is logged, and tried again after a pause that grows.
        failures++;
        ctx.log.error({ event: 'notifier', error: messageOf(error), failures }, 'delivery failed; it is tried again');
        await this.pause(Math.min(60_000, 2 ** Math.min(failures, 6) * 500));
      }
    }
    if (!state.abandoned) await lease.release();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Waits for new work, the next retry, or the next check of paused delivery. `blocked`: notifications are due but
   * held by a pause, so only those due later (or the check) end the wait.
   */
  private async waitForWork(blocked: boolean): Promise<void> {
    const { record, pauses, settings } = this.ctx;
    const now = settings.now().getTime();
    const held = pauses.heldChannels();
    const next = record.nextNotificationAt(blocked ? settings.now() : undefined, held);
    const times = [now + IDLE_MS, ...pauses.nextChecks()];
    if (next !== null && !pauses.tokenPaused()) times.push(Date.parse(next));
    await this.pause(Math.max(10, Math.min(...times) - now));
  }

  /** Waits `wait` ms, or until woken (new work, or stop). */
  private async pause(wait: number): Promise<void> {
    const controller = new AbortController();
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.ctx.settings.sleep(wait, controller.signal).then(resolve, resolve);
    });
    controller.abort();
    this.wakeUp = undefined;
  }
}

/** The silent deliveries, and the first that posts: the one message that checks a pause. */
function firstPost(deliveries: readonly Delivery[]): Delivery[] {
  const first = deliveries.find((d) => d.kind !== 'silent');
  return deliveries.filter((d) => d.kind === 'silent' || d === first);
}
