import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { AlertLocation, OutboxRecord, StoredFinding } from '../usecases/store-port.js';
import { type AlertKey, alertMessage } from './blocks/alert.js';
import { digestMessage } from './blocks/digest.js';
import { eventReply } from './blocks/event-reply.js';
import type { Message } from './blocks/kit.js';
import { scanWarning } from './blocks/scan-warning.js';
import { type Delivery, type PlanContext, planDeliveries } from './delivery-plan.js';
import { SlackCallError, type SlackPort } from './slack-port.js';

export interface NotifierSettings {
  readonly channelFor: (accountId: string) => string;
  readonly warningChannel: string;
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
  readonly now?: () => Date;
}

/** The last incomplete-scan warning posted: the same failures are not warned about again until they change or clear. */
const LAST_WARNING = 'last-incomplete-warning';
const IDLE_MS = 30_000;

/**
 * Delivers the record's outbox to Slack. Each message is claimed before it is sent and marked after, with the outbox
 * IDs in its metadata: after a crash, a claimed message is looked for in its channel before it is sent again, so
 * nothing is lost and nothing is posted twice. At most one post a second per channel; Slack's Retry-After is
 * honoured; 5xx and network errors are retried with backoff; a message Slack refuses for good is recorded as failed
 * with its error and never blocks the others.
 */
type Found = { readonly ts: string; readonly ids: readonly number[] };

/**
 * Notifications planned together: a key's findings make one alert, and a scan's keys one digest, only when they
 * are planned in one page, so the page holds what a large scan writes at once (a few MB of rows).
 */
const DUE_PAGE = 20_000;

/** Attempts after which a message Slack keeps rate-limiting is given up (about a day of Retry-After waits). */
const RATE_LIMITED_ATTEMPTS = 200;

export class Notifier {
  private readonly record: RecordPort;
  private readonly slack: SlackPort;
  private readonly log: Log;
  private readonly settings: Required<Omit<NotifierSettings, 'now'>> & { now: () => Date };
  private readonly nextPost = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();
  private wakeUp: (() => void) | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(record: RecordPort, slack: SlackPort, log: Log, settings: NotifierSettings) {
    this.record = record;
    this.slack = slack;
    this.log = log;
    this.settings = {
      channelSpacingMs: 1000,
      maxAttempts: 8,
      retryBaseMs: 2000,
      remediation: false,
      now: () => new Date(),
      ...settings,
    };
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.log.error({ event: 'notifier', error: (error as Error).message }, 'the notifier stopped');
    });
  }

  /** Something was written to the outbox: deliver it now rather than at the next idle check. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Lets the message in flight finish, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** Resolves the next time nothing is due and nothing is being sent (tests, the bench, shutdown). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  private async run(): Promise<void> {
    let settled = false;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!settled) {
          await this.settleInDoubt();
          settled = true;
        }
        const rows = this.record.dueNotifications(this.settings.now(), DUE_PAGE);
        if (rows.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
          await this.waitForWork();
          continue;
        }
        await this.deliverAll(planDeliveries(rows, this.context()));
        failures = 0;
      } catch (error) {
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
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async waitForWork(): Promise<void> {
    const next = this.record.nextNotificationAt();
    await this.pause(
      next === null ? IDLE_MS : Math.max(10, Math.min(IDLE_MS, Date.parse(next) - this.settings.now().getTime())),
    );
  }

  /** Waits `wait` ms, or until woken (new work, or stop). */
  private async pause(wait: number): Promise<void> {
    const controller = new AbortController();
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      sleep(wait, undefined, { signal: controller.signal, ref: false }).then(resolve, resolve);
    });
    controller.abort();
    this.wakeUp = undefined;
  }

  private context(): PlanContext {
    return {
      channelFor: this.settings.channelFor,
      alertOf: (fingerprint) => this.record.alertOf(fingerprint),
      digestThreshold: this.settings.digestThreshold,
      warningChannel: this.settings.warningChannel,
    };
  }

  /** Each channel's messages in order, one a second; channels side by side. */
  private async deliverAll(deliveries: readonly Delivery[]): Promise<void> {
    const byChannel = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const channel = channelOf(d);
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), d]);
    }
    await Promise.all(
      [...byChannel.values()].map(async (queue) => {
        for (const delivery of queue) {
          if (this.stopping) return;
          await this.deliver(delivery);
        }
      }),
    );
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const claimed = await this.record.claimNotificationIds(delivery.ids);
    if (claimed.length === 0) return;
    const ids = claimed.map((r) => r.id);
    const now = this.settings.now();
    if (delivery.kind === 'silent') {
      for (const id of ids) await this.record.markDelivered(id, null, now);
      return;
    }
    const channel = channelOf(delivery);
    // A message tried before may have gone out (a timeout, a 5xx after Slack posted it, a crash): it is looked for
    // first, and never sent again while that cannot be told.
    if (claimed.some((r) => r.attempts > 1)) {
      let found: Found | undefined;
      let checked = true;
      try {
        found = await this.lookFor(delivery, claimed);
      } catch (error) {
        // A check Slack refuses for good (no history scope) can never be made: sending again risks a duplicate,
        // not sending loses the message, and a lost alert is the worse of the two.
        if (!(error instanceof SlackCallError && error.kind === 'refused')) {
          await this.failed(claimed, channel, error);
          return;
        }
        checked = false;
        this.log.warn(
          { event: 'slack-message', channel, ids, error: error.error },
          'cannot look for an earlier attempt of a message; it is sent again',
        );
      }
      if (checked && found !== undefined) {
        await this.settleFound(delivery, ids, found);
        return;
      }
    }
    try {
      const receipt = await this.send(delivery, ids, channel);
      for (const id of ids) await this.record.markDelivered(id, receipt, this.settings.now());
      this.log.info(
        { event: 'slack-message', kind: delivery.kind, channel, ids: ids.length, ts: receipt?.ts },
        'delivered',
      );
    } catch (error) {
      await this.failed(claimed, channel, error);
    }
  }

  /** Sends one delivery; returns where it went (undefined when there was nothing left to say). */
  private async send(delivery: Exclude<Delivery, { kind: 'silent' }>, ids: readonly number[], channel: string) {
    const key = idempotencyKey(ids);
    switch (delivery.kind) {
      case 'alert': {
        const findings = this.findings(delivery.fingerprints).filter((f) => f.status !== 'resolved');
        // Everything it would show was resolved (or trusted) before it could be posted: nothing to alert.
        if (findings.length === 0) return undefined;
        const posted = await this.post(channel, alertMessage(this.alertModel(findings)), { idempotencyKey: key });
        await this.record.recordAlert(
          findings.map((f) => f.fingerprint),
          posted,
          this.settings.now(),
        );
        return posted;
      }
      case 'digest': {
        const keys = delivery.keys
          .map((k) => {
            const findings = this.findings(k.fingerprints).filter((f) => f.status !== 'resolved');
            const first = findings[0];
            return first === undefined
              ? undefined
              : {
                  keyArn: k.keyArn,
                  aliases: first.aliases,
                  accountId: first.accountId,
                  accountName: this.settings.accountName(first.accountId),
                  region: first.region,
                  findings,
                };
          })
          .filter((k) => k !== undefined);
        if (keys.length === 0) return undefined;
        return this.post(channel, digestMessage(keys), { idempotencyKey: key });
      }
      case 'thread': {
        const { location } = delivery;
        const posted = await this.post(location.channel, eventReply(delivery.events), {
          threadTs: location.ts,
          broadcast: delivery.broadcast,
          idempotencyKey: key,
        });
        await this.updateAlert(location);
        return posted;
      }
      case 'warning': {
        const n = delivery.notification;
        if (!this.worthWarning(n.signature)) return undefined;
        const posted = await this.post(channel, scanWarning(n), { idempotencyKey: key });
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
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    this.nextPost.set(channel, Date.now() + this.settings.channelSpacingMs);
    return this.slack.postMessage(channel, message, options);
  }

  private async failed(rows: readonly OutboxRecord[], channel: string, error: unknown): Promise<void> {
    const e = error instanceof SlackCallError ? error : undefined;
    const message = e?.error ?? (error as Error).message;
    // One time for the whole delivery, so that its notifications stay together and go out as one message again.
    const attempts = Math.max(...rows.map((r) => r.attempts));
    // Slack says when to come back after a 429: those attempts count only against a far larger bound.
    const gaveUp =
      e?.kind === 'refused' ||
      (e?.kind === 'ratelimited' ? attempts >= RATE_LIMITED_ATTEMPTS : attempts >= this.settings.maxAttempts);
    const retryAt = gaveUp
      ? null
      : e?.kind === 'ratelimited'
        ? new Date(Date.now() + (e.retryAfterSeconds ?? 30) * 1000)
        : new Date(Date.now() + Math.min(15 * 60_000, 2 ** (attempts - 1) * this.settings.retryBaseMs));
    for (const row of rows) await this.record.markFailed(row.id, message, retryAt);
    if (e?.kind === 'ratelimited') this.pausedUntil.set(channel, Date.now() + (e.retryAfterSeconds ?? 30) * 1000);
    const fields = { event: 'slack-message', channel, ids: rows.map((r) => r.id), error: message };
    if (gaveUp) this.log.error(fields, 'Slack refused a message for good; it is recorded as failed');
    else this.log.warn(fields, 'a message could not be delivered; it will be tried again');
  }

  /**
   * Messages claimed by a notifier that died before it said how they went: each is looked for in its channel; one
   * that went out is marked delivered, one that did not is sent again.
   */
  private async settleInDoubt(): Promise<void> {
    const rows = this.record.inDoubtNotifications();
    if (rows.length === 0) return;
    const deliveries = planDeliveries(rows, this.context());
    for (const delivery of deliveries) {
      const ids = delivery.ids;
      const now = this.settings.now();
      if (delivery.kind === 'silent') {
        for (const id of ids) await this.record.markDelivered(id, null, now);
        continue;
      }
      let found: Found | undefined;
      try {
        found = await this.lookFor(
          delivery,
          rows.filter((r) => ids.includes(r.id)),
        );
      } catch (error) {
        // Whether it went out cannot be told now: it waits, and is looked for again before anything is sent.
        const retryAt = new Date(now.getTime() + this.settings.retryBaseMs);
        for (const id of ids)
          await this.record.markFailed(
            id,
            `in doubt after a restart; Slack could not be checked: ${(error as Error).message}`,
            retryAt,
          );
        this.log.warn(
          { event: 'slack-in-doubt', ids, error: (error as Error).message },
          'cannot check whether a message went out; it is checked again before it is sent',
        );
        continue;
      }
      if (found !== undefined) {
        await this.settleFound(delivery, ids, found);
        this.log.info({ event: 'slack-in-doubt', ids, found: true }, 'settled a message left in doubt');
      } else {
        for (const id of ids)
          await this.record.markFailed(id, 'in doubt after a restart: not found in Slack, sent again', now);
        this.log.info({ event: 'slack-in-doubt', ids }, 'a message left in doubt was not in Slack: it is sent again');
      }
    }
  }

  /** Looks for a delivery in its channel (or thread) by the outbox IDs its message carries; throws when it cannot. */
  private async lookFor(
    delivery: Exclude<Delivery, { kind: 'silent' }>,
    rows: readonly OutboxRecord[],
  ): Promise<Found | undefined> {
    const first = rows.reduce((a, b) => (b.id < a.id ? b : a));
    const since = new Date(Date.parse(first.createdAt) - 60_000);
    const thread = delivery.kind === 'thread' ? delivery.location.ts : undefined;
    return this.slack.findPosted(
      channelOf(delivery),
      since,
      rows.map((r) => r.id),
      thread,
    );
  }

  /**
   * A delivery found in Slack: what the message found carries is recorded as delivered where it is, as if it had
   * just been posted; anything of the delivery it does not carry (planned with it since) goes out on its own.
   */
  private async settleFound(
    delivery: Exclude<Delivery, { kind: 'silent' }>,
    ids: readonly number[],
    found: Found,
  ): Promise<void> {
    const now = this.settings.now();
    if (delivery.kind === 'alert') {
      await this.record.recordAlert(delivery.fingerprints, { channel: delivery.channel, ts: found.ts }, now);
    }
    const carried = new Set(found.ids);
    for (const id of ids) {
      if (carried.has(id)) await this.record.markDelivered(id, { channel: channelOf(delivery), ts: found.ts }, now);
      else await this.record.markFailed(id, 'not in the message found in Slack: sent on its own', now);
    }
    if (delivery.kind === 'thread') await this.updateAlert(delivery.location);
    this.log.info(
      { event: 'slack-message', kind: delivery.kind, channel: channelOf(delivery), ids: ids.length, ts: found.ts },
      'delivered (found in Slack: it had gone out before)',
    );
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

/** What a message carries in its metadata so that it can be found after a crash: its outbox IDs. */
export function idempotencyKey(ids: readonly number[]): string {
  return ids
    .slice()
    .sort((a, b) => a - b)
    .slice(0, 50)
    .join(',');
}
