import type { Config } from '../config/schema.js';
import { type Deliverer, type DeliveryHealth, deliveryHealth } from '../usecases/delivery-health.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { realSleep } from '../usecases/remediation/key-lease.js';
import type { RemediationParts } from '../usecases/remediation/remediate.js';
import { settleInterrupted, type Unsettled } from '../usecases/remediation/settle.js';
import type { ScanParts } from '../usecases/scan-and-record.js';
import type { ScanPlan } from '../usecases/scan-plan.js';
import type { BotListeners } from '../usecases/slack-listeners.js';
import type { SlackPort } from '../usecases/slack-port.js';
import { Admins } from './authorization.js';
import { handleAcknowledgeClick, handleAcknowledgeSubmit } from './handlers/acknowledge.js';
import type { BotDeps } from './handlers/deps.js';
import { accountName, handleHomeOpened, handleScanNow, publishHome } from './handlers/home.js';
import { handleCommand } from './handlers/kms-command.js';
import { handleRemediateClick, handleRemediateSubmit, handleUndoClick } from './handlers/remediate.js';
import { handleTrustClick } from './handlers/trust.js';
import { Notifier, type NotifierSettings } from './notifier.js';
import { ScanCoordinator } from './scan-coordinator.js';

/** The pause before settling interrupted remediations is tried again after a failure: doubling up to the maximum. */
export const SETTLE_RETRY_FIRST_MS = 10_000;
export const SETTLE_RETRY_MAX_MS = 600_000;

/** Interrupted remediations the bot could not settle yet (AWS or the record failing), and when it tries again. */
export interface UnsettledRemediations {
  readonly remediations: readonly Unsettled[];
  readonly nextAttempt: string;
}

/** What keeps time for the bot: the scan schedule. */
export interface ScheduleKeeper {
  start(tick: () => void): { next(): string | null; stop(): Promise<void> };
}

export interface BotParts {
  readonly config: Config;
  readonly plan: ScanPlan;
  readonly record: RecordPort;
  readonly scanParts: ScanParts;
  readonly slack: SlackPort;
  readonly schedule: ScheduleKeeper;
  readonly log: Log;
  readonly now?: () => Date;
  /** Present when remediation.enabled: what Remediate and Undo run on. */
  readonly remediation?: import('../usecases/remediation/remediate.js').RemediationParts;
  /** Delivery timing (tests shorten it, or run it on a clock of their own): see NotifierSettings. */
  readonly delivery?: DeliveryTiming;
}

export type DeliveryTiming = Partial<
  Pick<NotifierSettings, 'channelSpacingMs' | 'retryBaseMs' | 'pauseCheckMs' | 'now' | 'sleep' | 'newId'>
>;

export interface Health {
  readonly status: number;
  readonly body: {
    readonly status: 'ok' | 'unhealthy';
    readonly database: { readonly ok: boolean; readonly error?: string };
    readonly lastScan: { id: string; startedBy: string; finishedAt: string; complete: boolean } | null;
    readonly nextScan: string | null;
    readonly scanning: boolean;
    readonly outbox: { pending: number; sending: number; failed: number } | null;
    /**
     * Where delivery is paused, as the record has it (null when the database cannot be read): this bot's pauses when
     * it delivers, the delivering bot's otherwise.
     */
    readonly delivery: DeliveryHealth | null;
    /** Which bot delivers from the database: this one, or another (this one then posts nothing). */
    readonly deliverer: Deliverer;
  };
}

/**
 * The Slack bot: scans on the schedule (and when asked), tells the right channel about every new exposure once, and
 * lets people act from Slack. Everything it does goes through the same use cases as the CLI.
 */
export class Bot {
  readonly listeners: BotListeners;
  readonly notifier: Notifier;
  readonly scans: ScanCoordinator;
  private readonly parts: BotParts;
  private readonly deps: BotDeps;
  /** Every channel the config sends to: slack.channel, then the accounts' own. */
  private readonly channels: readonly string[];
  private schedule: { next(): string | null; stop(): Promise<void> } | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private settling: Promise<void> | undefined;
  private unsettled: UnsettledRemediations | undefined;

  constructor(parts: BotParts) {
    this.parts = parts;
    const now = parts.now ?? (() => new Date());
    const { config, record, slack, log } = parts;
    const defaultChannel = config.slack.channel as string;
    this.channels = channelsOf(config);
    this.notifier = new Notifier(record, slack, log, {
      channelFor: (accountId) => config.accounts?.find((a) => a.id === accountId)?.channel ?? defaultChannel,
      accountsFor: (channel) => {
        const own = (config.accounts ?? []).filter((a) => a.channel !== undefined);
        return channel === defaultChannel
          ? { except: own.filter((a) => a.channel !== channel).map((a) => a.id) }
          : { only: own.filter((a) => a.channel === channel).map((a) => a.id) };
      },
      warningChannel: defaultChannel,
      channels: this.channels,
      digestThreshold: config.slack.digestThreshold,
      accountName: (accountId) => accountName(config, accountId),
      roleName: config.roleName,
      remediation: config.remediation.enabled,
      now,
      ...parts.delivery,
    });
    this.scans = new ScanCoordinator({
      parts: parts.scanParts,
      record,
      plan: parts.plan,
      log,
      onFinished: () => {
        this.notifier.wake();
        void this.refreshHomes();
      },
    });
    this.deps = {
      config,
      record,
      slack,
      admins: new Admins(config.slack.admins, slack, log),
      scans: this.scans,
      notifier: this.notifier,
      log,
      now,
      nextScan: () => this.schedule?.next() ?? null,
      unsettledRemediations: () => this.unsettled,
      ...(parts.remediation === undefined ? {} : { remediation: parts.remediation }),
    };
    const deps = this.deps;
    this.listeners = {
      command: (userId, text, respond) => handleCommand(deps, userId, text, async (r) => void (await respond(r))),
      acknowledgeClick: (request, respond) =>
        handleAcknowledgeClick(deps, request, async (r) => void (await respond(r))),
      trustClick: (request, respond) => handleTrustClick(deps, request, async (r) => void (await respond(r))),
      scanNow: (userId) => handleScanNow(deps, userId),
      acknowledgeSubmit: (submission) => handleAcknowledgeSubmit(deps, submission),
      homeOpened: (userId) => handleHomeOpened(deps, userId),
      remediateClick: (request, respond) => handleRemediateClick(deps, request, async (r) => void (await respond(r))),
      remediateSubmit: (submission) => handleRemediateSubmit(deps, submission),
      undoClick: (request, respond) => handleUndoClick(deps, request, async (r) => void (await respond(r))),
    };
  }

  /** Starts delivering, the schedule, and (scanOnStart) one scan. */
  start(): void {
    this.notifier.start();
    const remediation = this.parts.remediation;
    if (remediation !== undefined) this.settling = this.settleInterrupted(remediation);
    this.schedule = this.parts.schedule.start(() => this.tick());
    if (this.parts.config.scanOnStart) this.tick();
  }

  /**
   * Remediations and undos a crash left half-done are settled from what AWS now shows, and their threads told, until
   * nothing is left or the bot stops. A key another process holds (a remediation under way, or the claim of one that
   * stopped, in another container say) is tried again when its claim goes stale unless renewed. One that cannot be
   * settled now (AWS or the record failing) is logged once per attempt, with the error, and tried again after a pause
   * that doubles from SETTLE_RETRY_FIRST_MS up to SETTLE_RETRY_MAX_MS; /kms status shows it meanwhile.
   */
  private async settleInterrupted(remediation: RemediationParts): Promise<void> {
    const { log } = this.parts;
    const sleep = remediation.sleep ?? realSleep;
    let failures = 0;
    while (!this.stopped) {
      let retryAt: Date | undefined;
      let failed: { unsettled: readonly Unsettled[]; error?: string } | undefined;
      try {
        const found = await settleInterrupted(remediation, 'kms-sentinel');
        if (found.settled > 0) {
          log.warn({ event: 'remediation', settled: found.settled }, 'settled remediations a stop interrupted');
          this.notifier.wake();
        }
        for (const d of found.drifted) {
          log.warn(
            { event: 'remediation', remediation: d.id, key: d.keyArn },
            'an interrupted undo left the key policy neither the backup nor the remediated one: scan the key',
          );
        }
        retryAt = found.retryAt;
        // A key taken over meanwhile is its new holder's to settle: the next round finds it held, or settled.
        if (found.unsettled.length > 0 || found.lost.length > 0) failed = { unsettled: found.unsettled };
      } catch (error) {
        failed = { unsettled: [], error: (error as Error).message };
      }
      const now = remediation.now().getTime();
      let wait = retryAt === undefined ? undefined : Math.max(retryAt.getTime() - now, 0) + 1000;
      if (failed === undefined) {
        failures = 0;
        this.unsettled = undefined;
      } else {
        const pause = Math.min(SETTLE_RETRY_FIRST_MS * 2 ** failures, SETTLE_RETRY_MAX_MS);
        failures++;
        wait = Math.min(wait ?? pause, pause);
        const next = new Date(now + wait).toISOString();
        this.unsettled = { remediations: failed.unsettled, nextAttempt: next };
        for (const u of failed.unsettled) {
          log.warn(
            {
              event: 'remediation',
              remediations: u.remediations,
              key: u.keyArn,
              error: u.error,
              attempt: failures,
              retryAt: next,
            },
            'an interrupted remediation cannot be settled from AWS now: nothing was changed; trying again after a pause',
          );
        }
        if (failed.error !== undefined) {
          log.warn(
            { event: 'remediation', error: failed.error, attempt: failures, retryAt: next },
            'cannot settle interrupted remediations now: trying again after a pause',
          );
        }
      }
      if (wait === undefined || this.stopped) return;
      if (retryAt !== undefined) {
        log.info(
          { event: 'remediation', retryAt: retryAt.toISOString() },
          'an interrupted remediation waits on a claim another process holds: settling it once that claim is free or stale',
        );
      }
      await sleep(wait, this.stopping.signal);
    }
  }

  /** Interrupted remediations the bot could not settle on its last attempt, and when it tries again; none: undefined. */
  unsettledRemediations(): UnsettledRemediations | undefined {
    return this.unsettled;
  }

  /** A scheduled scan, unless one is running: a skipped tick is logged, never queued. */
  private tick(): void {
    if (this.stopped) return;
    const started = this.scans.start('schedule');
    if (!started.started) {
      this.parts.log.info(
        { event: 'schedule', outcome: 'skipped', running: started.running.startedBy, since: started.running.startedAt },
        'a scheduled scan was skipped: a scan is already running',
      );
    }
  }

  /** Stops taking work, abandons the scan under way (it records nothing), and lets the message in flight finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.settling;
    await this.schedule?.stop();
    await this.scans.stop();
    await this.notifier.stop();
  }

  health(): Health {
    const { record } = this.parts;
    try {
      record.probe();
      const last = record.scans(1)[0];
      const outbox = record.outboxCounts();
      const delivery = deliveryHealth(record.deliveryPauses());
      const deliverer = this.notifier.deliverer();
      // The bot that delivers is not doing its job while the token is refused, or while every channel the config
      // sends to is paused. A bot that does not deliver (on standby, or not yet holding the lease) is judged by what
      // it does: its token passed auth.test at start and it answers Slack's requests; the pauses it reports are the
      // delivering bot's, for information (a rolling deploy must not wait on the token of the bot it replaces).
      const paused = new Set(delivery.channels.map((c) => c.channel));
      const working =
        deliverer.state !== 'this-bot' || (delivery.reason === null && this.channels.some((c) => !paused.has(c)));
      return {
        status: working ? 200 : 503,
        body: {
          status: working ? 'ok' : 'unhealthy',
          database: { ok: true },
          lastScan:
            last === undefined
              ? null
              : { id: last.id, startedBy: last.startedBy, finishedAt: last.finishedAt, complete: last.complete },
          nextScan: this.schedule?.next() ?? null,
          scanning: this.scans.running() !== undefined,
          outbox,
          delivery,
          deliverer,
        },
      };
    } catch (error) {
      return {
        status: 503,
        body: {
          status: 'unhealthy',
          database: { ok: false, error: (error as Error).message },
          lastScan: null,
          nextScan: this.schedule?.next() ?? null,
          scanning: this.scans.running() !== undefined,
          outbox: null,
          delivery: null,
          deliverer: this.notifier.deliverer(),
        },
      };
    }
  }

  private async refreshHomes(): Promise<void> {
    for (const user of this.parts.record.homeUsers()) {
      await publishHome(this.deps, user).catch((error: unknown) => {
        this.parts.log.warn({ event: 'home', user, error: (error as Error).message }, 'could not refresh the Home tab');
      });
    }
  }
}

/** Every channel the config sends to, each once: slack.channel (alerts, digests, warnings), then the accounts' own. */
export function channelsOf(config: Config): string[] {
  const own = (config.accounts ?? []).map((a) => a.channel).filter((c): c is string => c !== undefined);
  return [...new Set([config.slack.channel as string, ...own])];
}
