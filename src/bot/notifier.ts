import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deliverer } from '../usecases/delivery-health.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { type FoundMessage, SlackCallError, type SlackPort } from '../usecases/slack-port.js';
import {
  type AlertLocation,
  type BatchExtent,
  DeliveryLeaseLost,
  type DeliveryOutcome,
  type DeliveryTarget,
  type DigestSummary,
  type OutboxRecord,
  type StoredFinding,
} from '../usecases/store-port.js';
import { type AlertKey, alertMessage } from './blocks/alert.js';
import { type DigestView, digestViewMessage } from './blocks/digest.js';
import { eventReply } from './blocks/event-reply.js';
import type { Message } from './blocks/kit.js';
import { scanWarning } from './blocks/scan-warning.js';
import { LeaseKeeper } from './delivery-lease.js';
import { movesFor } from './delivery-moves.js';
import { DeliveryPauses } from './delivery-pauses.js';
import { type Delivery, type PlanContext, planDeliveries } from './delivery-plan.js';

export interface NotifierSettings {
  readonly channelFor: (accountId: string) => string;
  /** The accounts whose findings go to a channel: these, or all but these (the inverse of channelFor). */
  readonly accountsFor: (channel: string) => BatchExtent['accounts'];
  readonly warningChannel: string;
  /** Every channel the config sends to: a pause of any other is forgotten once no message waits for it. */
  readonly channels: readonly string[];
  readonly digestThreshold: number;
  readonly accountName: (accountId: string) => string | undefined;
  readonly roleName: string;
  /** remediation.enabled: alerts offer Remediate. */
  readonly remediation?: boolean;
  /** Spacing of posts in one channel (Slack allows about one a second). */
  readonly channelSpacingMs?: number;
  /** Attempts before a notification that keeps failing is given up (failed for good, surfaced in status). */
  readonly maxAttempts?: number;
  /** The first retry's wait after a 5xx or a network error; each further one waits twice as long, up to 15 min. */
  readonly retryBaseMs?: number;
  /**
   * How long paused delivery waits before it checks whether it may resume (auth.test for the token,
   * conversations.info for a channel); each further check waits twice as long, up to 10 min.
   */
  readonly pauseCheckMs?: number;
  readonly now?: () => Date;
  /** Waits `ms` on the notifier's clock, or until `signal` aborts; every wait of the notifier goes through it. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A new delivery's ID. */
  readonly newId?: () => string;
}

/** The last incomplete-scan warning posted: the same failures are not warned about again until they change or clear. */
const LAST_WARNING = 'last-incomplete-warning';
const IDLE_MS = 30_000;
/** How many outbox IDs a release before delivery IDs put in a message's metadata, at most. */
const LEGACY_ID_CAP = 50;

/**
 * Notifications read and planned at once (a few MB of rows). A scan's findings that go on beyond the page are not
 * split by it: the digest or alert planned from the page carries the rest from the record (see BatchExtent).
 */
const DUE_PAGE = 20_000;

/** Attempts after which a message Slack keeps rate-limiting is given up (about a day of Retry-After waits). */
const RATE_LIMITED_ATTEMPTS = 200;
/** How long a stop waits for Slack to answer a call in flight: well within `docker stop`'s 10 s. */
const STOP_GRACE_MS = 4000;

type Settings = Required<Omit<NotifierSettings, 'now' | 'sleep' | 'newId'>> & {
  now: () => Date;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  newId: () => string;
};

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
  private readonly record: RecordPort;
  private readonly slack: SlackPort;
  private readonly log: Log;
  private readonly settings: Settings;
  private readonly nextPost = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  /** Where delivery is paused, and the checks that end it. */
  private readonly pauses: DeliveryPauses;
  /** This bot's hold on the database's delivery lease: it delivers only while it holds it. */
  private readonly lease: LeaseKeeper;
  private wakeUp: (() => void) | undefined;
  private stopping = false;
  /** stop() gave up waiting for a Slack call: nothing more is written, and the lease is not let go. */
  private abandoned = false;
  private loop: Promise<void> | undefined;
  private heartbeat: Promise<void> | undefined;
  /** Aborted by stop(): it ends every wait (the heartbeat's, a channel's turn, a rate limit). */
  private readonly stopped = new AbortController();
  private idleWaiters: (() => void)[] = [];
  /** The lease was taken and what the last holder left is not yet picked up (see resumeFromRecord). */
  private takenOver = false;

  constructor(record: RecordPort, slack: SlackPort, log: Log, settings: NotifierSettings) {
    this.record = record;
    this.slack = slack;
    this.log = log;
    this.settings = {
      channelSpacingMs: 1000,
      maxAttempts: 8,
      retryBaseMs: 2000,
      pauseCheckMs: 30_000,
      remediation: false,
      now: () => new Date(),
      // Kept referenced: the notifier's waits are its work (stop() cuts each one short).
      sleep: (ms, signal) =>
        sleep(ms, undefined, { signal }).then(
          () => undefined,
          () => undefined,
        ),
      newId: randomUUID,
      ...settings,
    };
    this.pauses = new DeliveryPauses(record, slack, log, {
      channels: this.settings.channels,
      pauseCheckMs: this.settings.pauseCheckMs,
      now: this.settings.now,
      resumed: () => this.wake(),
    });
    this.lease = new LeaseKeeper(record, log, this.settings.now);
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.log.error({ event: 'notifier', error: (error as Error).message }, 'the notifier stopped');
    });
    this.heartbeat ??= this.lease.beat(this.settings.sleep, this.stopped.signal);
  }

  /** Which bot delivers from the database, as this one last saw its lease. */
  deliverer(): Deliverer {
    return this.lease.deliverer();
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
    this.stopping = true;
    this.wake();
    this.stopped.abort();
    const work = Promise.all([this.loop, this.heartbeat]);
    const grace = new AbortController();
    const late = await Promise.race([
      work.then(() => false),
      this.settings.sleep(STOP_GRACE_MS, grace.signal).then(() => true),
    ]);
    grace.abort();
    if (!late) return;
    this.abandoned = true;
    this.log.warn(
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

  private now(): number {
    return this.settings.now().getTime();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!this.lease.held) {
          if (!this.lease.worthAsking() || (await this.lease.take()) === 'standby') {
            // Another bot delivers from this database: this one waits for its lease to end.
            this.pauses.clear();
            for (const resolve of this.idleWaiters.splice(0)) resolve();
            await this.pause(this.lease.untilNextTry());
            continue;
          }
          this.takenOver = true;
        }
        if (this.takenOver) {
          await this.resumeFromRecord();
          this.takenOver = false;
        }
        await this.pauses.check(() => this.stopping);
        const blocked = this.pauses.tokenHeld();
        const held = this.pauses.heldChannels();
        const rows = blocked ? [] : this.record.dueNotifications(this.settings.now(), DUE_PAGE, held);
        const planned = planDeliveries(rows, this.context(rows.length === DUE_PAGE));
        // Messages for a paused channel are stamped as such, so that the next read passes them by: they never fill
        // the page while other channels' messages wait behind them.
        if ((await this.park(planned.filter((d) => this.pauses.held(channelOf(d))))) > 0) continue;
        let deliveries = planned.filter((d) => !this.pauses.held(channelOf(d)));
        if (!blocked && rows.length < DUE_PAGE) {
          await this.pauses.resumeIdle(deliveries.filter((d) => d.kind !== 'silent').map(channelOf));
        }
        // The token is being tried again: one message is the check, the rest wait for it.
        if (this.pauses.tokenProbing()) deliveries = firstPost(deliveries);
        if (deliveries.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
          await this.waitForWork(this.pauses.tokenPaused() || rows.length > 0);
          continue;
        }
        await this.deliverAll(deliveries);
        failures = 0;
      } catch (error) {
        if (error instanceof NotifierStopped || this.abandoned) continue;
        if (error instanceof DeliveryLeaseLost) {
          // Another bot took the lease over while this one was held up: what this one claimed is that bot's now.
          this.lease.lost(error.lease);
          continue;
        }
        // The record failing for a moment (a locked or full disk) must not end delivery for the life of the bot:
        // it is logged, and tried again after a pause that grows.
        failures++;
        this.log.error(
          { event: 'notifier', error: (error as Error).message, failures },
          'delivery failed; it is tried again',
        );
        await this.pause(Math.min(60_000, 2 ** Math.min(failures, 6) * 500));
      }
    }
    if (!this.abandoned) await this.lease.release();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Once this notifier holds the lease: messages a notifier that died (or lost the lease) held are queued again (each
   * is looked for in Slack before it is sent), and delivery paused before is checked at once (the token the bot
   * started with has just passed auth.test).
   */
  private async resumeFromRecord(): Promise<void> {
    const requeued = await this.record.requeueInDoubt(
      this.holder(),
      'in doubt after a restart: looked for in Slack before it is sent again',
    );
    if (requeued > 0) {
      this.log.info(
        { event: 'slack-in-doubt', notifications: requeued },
        'messages a stop left in doubt are looked for in Slack before they are sent again',
      );
    }
    await this.followConfig();
    await this.pauses.load();
    // A Retry-After Slack gave the bot before a restart (or another bot) still holds: its channel waits it out.
    for (const { channel, until } of this.record.rateLimitedChannels(this.settings.now())) {
      this.pausedUntil.set(channel, Math.max(this.pausedUntil.get(channel) ?? 0, Date.parse(until)));
    }
  }

  /**
   * Messages waiting for a channel the config no longer names (it was changed since they were planned) go to the one
   * it names now, each account's findings to its own (see movesFor); one tried before is looked for where it was
   * tried first.
   */
  private async followConfig(): Promise<void> {
    const routes = { channelFor: this.settings.channelFor, warningChannel: this.settings.warningChannel };
    const moves = movesFor(this.record.waitingDeliveries(), routes, this.settings.newId);
    if (moves.length === 0) return;
    await this.record.retargetDeliveries(this.holder(), moves);
    const split = new Set(moves.filter((m) => 'part' in m).map((m) => m.deliveryId)).size;
    const replanned = moves.filter((m) => 'replan' in m).length;
    this.log.info(
      { event: 'delivery-moved', moved: moves.length, split, replanned },
      "messages waiting for a channel the config no longer names go to the one it names now, each account's findings to its own channel (each one tried before is looked for where it was tried first)",
    );
  }

  /**
   * Waits for new work, the next retry, or the next check of paused delivery. `blocked`: notifications are due but
   * held by a pause, so only those due later (or the check) end the wait.
   */
  private async waitForWork(blocked: boolean): Promise<void> {
    const now = this.now();
    const held = this.pauses.heldChannels();
    const next = this.record.nextNotificationAt(blocked ? this.settings.now() : undefined, held);
    const times = [now + IDLE_MS, ...this.pauses.nextChecks()];
    if (next !== null && !this.pauses.tokenPaused()) times.push(Date.parse(next));
    await this.pause(Math.max(10, Math.min(...times) - now));
  }

  /** Waits `wait` ms, or until woken (new work, or stop). */
  private async pause(wait: number): Promise<void> {
    const controller = new AbortController();
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.settings.sleep(wait, controller.signal).then(resolve, resolve);
    });
    controller.abort();
    this.wakeUp = undefined;
  }

  /** `fullPage`: the notifications planned fill a page, so a scan's batch may go on beyond it. */
  private context(fullPage = false): PlanContext {
    return {
      channelFor: this.settings.channelFor,
      alertOf: (fingerprint) => this.record.alertOf(fingerprint),
      digestThreshold: this.settings.digestThreshold,
      warningChannel: this.settings.warningChannel,
      accountsFor: this.settings.accountsFor,
      ...(fullPage ? { batchKeys: (extent: BatchExtent) => this.record.batchKeys(extent) } : {}),
    };
  }

  /** Stamps deliveries that wait for their paused channel (see RecordPort.parkDelivery); how many rows changed. */
  private async park(waiting: readonly Delivery[]): Promise<number> {
    let changed = 0;
    for (const d of waiting) {
      const extent = d.kind === 'alert' || d.kind === 'digest' ? d.extent : undefined;
      const id = d.deliveryId ?? this.settings.newId();
      changed += await this.record.parkDelivery(this.holder(), d.ids, id, targetOf(d), extent);
    }
    return changed;
  }

  /** Each channel's messages in order, one a second; channels side by side. */
  private async deliverAll(deliveries: readonly Delivery[]): Promise<void> {
    const byChannel = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const channel = channelOf(d);
      const queue = byChannel.get(channel) ?? [];
      queue.push(d);
      byChannel.set(channel, queue);
    }
    const channels = await Promise.allSettled(
      [...byChannel].map(async ([channel, queue]) => {
        for (const delivery of queue) {
          // A pause that began meanwhile (the token refused for another channel's message) holds the rest, and a
          // lease lost (this process stalled past its term) stops it all.
          if (this.stopping || !this.lease.held || this.pauses.held(channel)) return;
          await this.deliver(delivery);
        }
      }),
    );
    // Every channel has stopped before what went wrong is handled (a lease lost: nothing of this bot's is under way).
    for (const c of channels) if (c.status === 'rejected') throw c.reason;
  }

  private async deliver(planned: Delivery): Promise<void> {
    const deliveryId = planned.deliveryId ?? this.settings.newId();
    const taken = await this.take(planned, deliveryId);
    if (taken === undefined) return;
    const { delivery, claim } = taken;
    if (delivery.kind === 'silent') {
      await this.settle(deliveryId, { state: 'delivered', receipt: null, at: this.settings.now() });
      return;
    }
    const channel = channelOf(delivery);
    // This message is the check of a pause whose check passed: the others wait for how it goes.
    this.pauses.trying(channel);
    // A message tried before may have gone out (a timeout, a 5xx after Slack posted it, a crash): it is looked for
    // first, and never sent again while that cannot be told.
    if (claim.attempts > 1) {
      const earlier = await this.findEarlier(delivery, deliveryId, claim);
      if (earlier === 'handled') return;
      if (earlier !== undefined) {
        await this.settleFound(delivery, deliveryId, claim, earlier.found, earlier.channel);
        return;
      }
    }
    try {
      const receipt = await this.send(delivery, deliveryId, channel, taken.digest);
      await this.settle(deliveryId, { state: 'delivered', receipt: receipt ?? null, at: this.settings.now() });
      this.log.info(
        {
          event: 'slack-message',
          kind: delivery.kind,
          channel,
          delivery: deliveryId,
          ids: claim.count,
          ts: receipt?.ts,
        },
        'delivered',
      );
      await this.pauses.wentThrough(channel);
    } catch (error) {
      if (error instanceof DeliveryLeaseLost || error instanceof NotifierStopped) throw error;
      if (await this.heldBack(deliveryId, channel, error)) return;
      await this.failed(deliveryId, claim, channel, error);
    }
  }

  /**
   * Claims a delivery: what is claimed is the delivery (a notification of it the page did not hold comes with it).
   * A digest is claimed counted, its notifications never loaded, however many it carries.
   */
  private async take(
    planned: Delivery,
    deliveryId: string,
  ): Promise<{ delivery: Delivery; claim: Claim; digest?: DigestSummary } | undefined> {
    if (planned.kind === 'digest') {
      const c = await this.record.claimDigest(
        this.holder(),
        planned.ids,
        deliveryId,
        targetOf(planned),
        planned.extent,
      );
      if (c.notifications === 0) return undefined;
      const claim = {
        count: c.notifications,
        attempts: c.attempts,
        firstCreatedAt: c.firstCreatedAt,
        triedIds: c.triedIds,
        lookIn: c.target.lookIn ?? [],
        triedAs: c.target.triedAs ?? [],
        rows: undefined,
      };
      return { delivery: planned, claim, digest: c.digest };
    }
    const extent = planned.kind === 'alert' ? planned.extent : undefined;
    const claimed = await this.record.claimDelivery(this.holder(), planned.ids, deliveryId, targetOf(planned), extent);
    if (claimed.length === 0) return undefined;
    const plannedIds = new Set(planned.ids);
    const delivery =
      claimed.length === plannedIds.size && claimed.every((r) => plannedIds.has(r.id))
        ? planned
        : (planDeliveries(claimed, this.context())[0] ?? planned);
    const claim = {
      count: claimed.length,
      attempts: Math.max(...claimed.map((r) => r.attempts)),
      firstCreatedAt: claimed.reduce((a, b) => (b.id < a.id ? b : a)).createdAt,
      triedIds: claimed.filter((r) => r.attempts > 1).map((r) => r.id),
      lookIn: claimed[0]?.deliveryTarget?.lookIn ?? [],
      triedAs: claimed[0]?.deliveryTarget?.triedAs ?? [],
      rows: claimed,
    };
    return { delivery, claim };
  }

  private async settle(deliveryId: string, outcome: DeliveryOutcome): Promise<void> {
    await this.record.settleDelivery(this.holder(), deliveryId, outcome);
  }

  /** This bot's lease, for a write of a delivery (the record refuses it once another bot holds the lease). */
  private holder(): string {
    if (!this.lease.held) throw new DeliveryLeaseLost(undefined);
    return this.lease.holder;
  }

  /** Sends one delivery; returns where it went (undefined when there was nothing left to say). */
  private async send(
    delivery: Exclude<Delivery, { kind: 'silent' }>,
    deliveryId: string,
    channel: string,
    digest: DigestSummary | undefined,
  ) {
    switch (delivery.kind) {
      case 'alert': {
        const findings = this.findings(delivery.fingerprints).filter((f) => f.status !== 'resolved');
        // Everything it would show was resolved (or trusted) before it could be posted: nothing to alert.
        if (findings.length === 0) return undefined;
        const posted = await this.post(channel, alertMessage(this.alertModel(findings)), {
          idempotencyKey: deliveryId,
        });
        await this.record.recordAlert(
          findings.map((f) => f.fingerprint),
          posted,
          this.settings.now(),
        );
        return posted;
      }
      case 'digest': {
        // Everything it would show was resolved (or trusted) before it could be posted: nothing to say.
        if (digest === undefined || digest.keys === 0) return undefined;
        return this.post(channel, digestViewMessage(this.digestView(digest)), { idempotencyKey: deliveryId });
      }
      case 'thread': {
        const { location } = delivery;
        const posted = await this.post(location.channel, eventReply(delivery.events), {
          threadTs: location.ts,
          broadcast: delivery.broadcast,
          idempotencyKey: deliveryId,
        });
        await this.updateAlert(location);
        return posted;
      }
      case 'warning': {
        const n = delivery.notification;
        if (!this.worthWarning(n.signature)) return undefined;
        const posted = await this.post(channel, scanWarning(n), { idempotencyKey: deliveryId });
        await this.record.setBotState(
          LAST_WARNING,
          JSON.stringify({ signature: n.signature, at: this.settings.now().toISOString() }),
        );
        return posted;
      }
    }
  }

  /** Re-renders an alert from where its findings stand now. A failure here is logged: the thread reply went out. */
  private async updateAlert(location: AlertLocation): Promise<void> {
    const findings = this.findings(this.record.alertFindings(location));
    if (findings.length === 0) return;
    await this.lease.confirm();
    try {
      await this.slack.updateMessage(location.channel, location.ts, alertMessage(this.alertModel(findings)));
    } catch (error) {
      this.log.warn(
        { event: 'slack-update', channel: location.channel, ts: location.ts, error: (error as Error).message },
        'could not update an alert in place',
      );
    }
  }

  /** The same failures as the last warning, with no complete scan since, are not warned about again. */
  private worthWarning(signature: string): boolean {
    const last = this.record.botState(LAST_WARNING);
    if (last === undefined) return true;
    const { signature: before, at } = JSON.parse(last) as { signature: string; at: string };
    if (before !== signature) return true;
    return this.record.scans(50).some((s) => s.complete && s.finishedAt > at);
  }

  private async post(channel: string, message: Message, options: Parameters<SlackPort['postMessage']>[2]) {
    const paused = this.pausedUntil.get(channel) ?? 0;
    const next = Math.max(this.nextPost.get(channel) ?? 0, paused);
    const wait = next - this.now();
    if (wait > 0) await this.settings.sleep(wait, this.stopped.signal);
    if (this.stopping) throw new NotifierStopped();
    // Another bot may have taken the lease over while this one waited (or stalled): it is asked of the record now.
    await this.lease.confirm();
    this.nextPost.set(channel, this.now() + this.settings.channelSpacingMs);
    try {
      return await this.slack.postMessage(channel, message, options);
    } finally {
      // The bot stopped without waiting for this answer: the record may be closed, and the message stays in doubt.
      // biome-ignore lint/correctness/noUnsafeFinally: the answer, or its error, must not be acted on any more
      if (this.abandoned) throw new NotifierStopped();
    }
  }

  private async failed(deliveryId: string, claim: Claim, channel: string, error: unknown): Promise<void> {
    const e = error instanceof SlackCallError ? error : undefined;
    const message = e?.error ?? (error as Error).message;
    // One time for the whole delivery, so that its notifications stay together and go out as one message again.
    const { attempts } = claim;
    // Slack says when to come back after a 429: those attempts count only against a far larger bound.
    const gaveUp =
      e?.kind === 'refused' ||
      (e?.kind === 'ratelimited' ? attempts >= RATE_LIMITED_ATTEMPTS : attempts >= this.settings.maxAttempts);
    const now = this.now();
    const retryAt = gaveUp
      ? null
      : e?.kind === 'ratelimited'
        ? new Date(now + (e.retryAfterSeconds ?? 30) * 1000)
        : new Date(now + Math.min(15 * 60_000, 2 ** (attempts - 1) * this.settings.retryBaseMs));
    await this.settle(deliveryId, { state: 'failed', error: message, retryAt });
    if (e?.kind === 'ratelimited') this.pausedUntil.set(channel, now + (e.retryAfterSeconds ?? 30) * 1000);
    const fields = {
      event: 'slack-message',
      channel,
      delivery: deliveryId,
      ids: (claim.rows?.map((r) => r.id) ?? claim.triedIds).slice(0, 20),
      notifications: claim.count,
      error: message,
    };
    if (gaveUp) this.log.error(fields, 'Slack refused a message for good; it is recorded as failed');
    else this.log.warn(fields, 'a message could not be delivered; it will be tried again');
  }

  /**
   * A refusal that passes (the token refused, a channel the bot may not post in): the delivery waits, its attempt not
   * counted, and delivery pauses (all of it, or the channel) until a message goes through. False for any other error.
   */
  private async heldBack(deliveryId: string, channel: string, error: unknown): Promise<boolean> {
    if (!(error instanceof SlackCallError) || error.refusal === undefined) return false;
    await this.settle(deliveryId, { state: 'held', error: `${error.error} (waits for delivery to resume)` });
    await this.pauses.refused(channel, error);
    return true;
  }

  /**
   * Looks for an earlier attempt of a delivery, before anything is sent: in each channel it was tried in before the
   * config named another (its target's `lookIn`), then where it goes (its channel, or its thread). Returns where it
   * was found; 'handled' when it was held back or failed meanwhile (it is not sent now).
   */
  private async findEarlier(
    delivery: Exclude<Delivery, { kind: 'silent' }>,
    deliveryId: string,
    claim: Claim,
  ): Promise<{ found: FoundMessage; channel: string } | 'handled' | undefined> {
    const channel = channelOf(delivery);
    const lookIn = delivery.kind === 'thread' ? [] : claim.lookIn;
    for (const place of [...lookIn.filter((c) => c !== channel), channel]) {
      try {
        const found = await this.lookFor(delivery, place, deliveryId, claim);
        if (found !== undefined) return { found, channel: place };
      } catch (error) {
        const e = error instanceof SlackCallError ? error : undefined;
        if (place !== channel && e?.refusal === 'channel') {
          // The bot can no longer read a channel the message was tried in (it was removed, the channel is gone):
          // whether it went out there cannot be told, and a lost alert is worse than one posted twice.
          this.log.warn(
            { event: 'slack-message', channel: place, delivery: deliveryId, error: e.error },
            `cannot look in ${place} for an earlier attempt of a message; it is sent to ${channel}`,
          );
          continue;
        }
        if (await this.heldBack(deliveryId, channel, error)) return 'handled';
        // A check Slack refuses for good (no history scope) can never be made: sending again risks a duplicate,
        // not sending loses the message, and a lost alert is the worse of the two.
        if (e?.kind !== 'refused') {
          await this.failed(deliveryId, claim, channel, error);
          return 'handled';
        }
        this.log.warn(
          { event: 'slack-message', channel: place, delivery: deliveryId, error: e.error },
          'cannot look for an earlier attempt of a message; it is sent again',
        );
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * Looks for a delivery in `channel` (or its thread) by its delivery ID, and, for a message an older release posted
   * (it named them in its metadata), by the IDs of the notifications tried before; throws when it cannot.
   */
  private async lookFor(
    delivery: Exclude<Delivery, { kind: 'silent' }>,
    channel: string,
    deliveryId: string,
    claim: Claim,
  ): Promise<FoundMessage | undefined> {
    const since = new Date(Date.parse(claim.firstCreatedAt) - 60_000);
    const thread = delivery.kind === 'thread' ? delivery.location.ts : undefined;
    const deliveryIds = [deliveryId, ...claim.triedAs];
    return this.slack.findPosted(channel, since, { deliveryIds, outboxIds: claim.triedIds }, thread);
  }

  /**
   * A delivery found in Slack: every notification stamped with its ID is recorded as delivered where it is, as if it
   * had just been posted. An older release's message names at most 50: those it names are delivered, with the rest
   * of the message in doubt past the last it names; anything else goes out on its own.
   */
  private async settleFound(
    delivery: Exclude<Delivery, { kind: 'silent' }>,
    deliveryId: string,
    claim: Claim,
    found: FoundMessage,
    channel: string,
  ): Promise<void> {
    const now = this.settings.now();
    const location = { channel, ts: found.ts };
    if (delivery.kind === 'alert') await this.record.recordAlert(delivery.fingerprints, location, now);
    const claimed = claim.rows;
    // A digest is not loaded: an older release's message found for it stands for all of it.
    if (found.by === 'delivery' || claimed === undefined) {
      await this.settle(deliveryId, { state: 'delivered', receipt: location, at: now });
    } else {
      const named = new Set(found.ids);
      const last = Math.max(...found.ids);
      const cut = found.ids.length >= LEGACY_ID_CAP;
      const carried = claimed.filter((r) => named.has(r.id) || (cut && r.id > last && r.attempts > 1));
      for (const r of carried) await this.record.markDelivered(r.id, location, now);
      if (carried.length < claimed.length) {
        await this.settle(deliveryId, {
          state: 'failed',
          error: 'not in the message found in Slack: sent on its own',
          retryAt: now,
        });
      }
    }
    if (delivery.kind === 'thread') await this.updateAlert(delivery.location);
    this.log.info(
      { event: 'slack-message', kind: delivery.kind, channel, delivery: deliveryId, ids: claim.count, ts: found.ts },
      'delivered (found in Slack: it had gone out before)',
    );
  }

  /** A digest as the record summed it up, with the accounts' names from the config. */
  private digestView(digest: DigestSummary): DigestView {
    return {
      keys: digest.keys,
      severities: digest.severities,
      accounts: digest.accounts.map((a) => ({ ...a, accountName: this.settings.accountName(a.accountId) })),
      worst: digest.worst.flatMap(({ keyArn, findings }) => {
        const first = findings[0];
        if (first === undefined) return [];
        const { aliases, accountId, region } = first;
        return [{ keyArn, aliases, accountId, region, accountName: this.settings.accountName(accountId), findings }];
      }),
    };
  }

  private findings(fingerprints: readonly string[]): StoredFinding[] {
    return fingerprints.map((f) => this.record.finding(f)).filter((f): f is StoredFinding => f !== undefined);
  }

  private alertModel(findings: readonly StoredFinding[]) {
    const f = findings[0] as StoredFinding;
    const key: AlertKey = {
      keyArn: f.keyArn,
      keyId: f.keyId,
      aliases: f.aliases,
      accountId: f.accountId,
      accountName: this.settings.accountName(f.accountId),
      region: f.region,
      keyState: f.keyState,
    };
    return { key, findings, roleName: this.settings.roleName, remediation: this.settings.remediation };
  }
}

/** The notifier stopped while a message waited for its turn: it is not posted (it stays claimed, in doubt). */
class NotifierStopped extends Error {
  constructor() {
    super('the notifier stopped before the message could be posted');
    this.name = 'NotifierStopped';
  }
}

/** The silent deliveries, and the first that posts: the one message that checks a pause. */
function firstPost(deliveries: readonly Delivery[]): Delivery[] {
  const first = deliveries.find((d) => d.kind !== 'silent');
  return deliveries.filter((d) => d.kind === 'silent' || d === first);
}

/** A delivery as claimed: what the notifier needs of its notifications, whether they were loaded (`rows`) or not. */
interface Claim {
  readonly count: number;
  /** The most attempts any notification of it has had, this one included: over 1, it was tried before. */
  readonly attempts: number;
  readonly firstCreatedAt: string;
  /** Notifications of it tried before (the IDs an older release named in its metadata). */
  readonly triedIds: readonly number[];
  /** Channels it was tried in before the config named another. */
  readonly lookIn: readonly string[];
  /** Deliveries it was split from, once tried: a message of theirs may have carried it. */
  readonly triedAs: readonly string[];
  readonly rows: readonly OutboxRecord[] | undefined;
}

function channelOf(d: Delivery): string {
  switch (d.kind) {
    case 'thread':
      return d.location.channel;
    case 'silent':
      return '';
    default:
      return d.channel;
  }
}

/** What is stored with a delivery's notifications: its kind and where it goes. */
function targetOf(d: Delivery): DeliveryTarget {
  return { kind: d.kind, channel: channelOf(d), threadTs: d.kind === 'thread' ? d.location.ts : null };
}
