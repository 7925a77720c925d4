import type { Config } from '../config/schema.js';
import { messageOf } from '../core/errors.js';
import { type Deliverer, type DeliveryHealth, deliveryHealth } from '../usecases/delivery-health.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { BotListeners } from '../usecases/slack-listeners.js';
import type { SlackPort } from '../usecases/slack-port.js';
import type { Admins } from './authorization.js';
import { handleAcknowledgeClick, handleAcknowledgeSubmit } from './handlers/acknowledge.js';
import { handleCheckSubmit } from './handlers/check.js';
import type { BotDeps } from './handlers/deps.js';
import { handleHomeOpened, handleScanNow, publishHome } from './handlers/home.js';
import { handleCommand } from './handlers/kms-command.js';
import { handleRemediateClick, handleRemediateSubmit, handleUndoClick } from './handlers/remediate.js';
import { handleTrustClick } from './handlers/trust.js';
import type { Notifier, NotifierSettings } from './notifier.js';
import type { RemediationSettler } from './remediation-settler.js';
import type { ScanCoordinator } from './scan-coordinator.js';
import { ScheduledSummary, type SummaryTiming } from './summary.js';

/** What keeps time for the bot: the scan schedule. */
export interface ScheduleKeeper {
  start(tick: () => void): { next(): string | null; stop(): Promise<void> };
}

/** What the bot is made of, built by the composition root. */
export interface BotParts {
  readonly config: Config;
  readonly record: RecordPort;
  readonly slack: SlackPort;
  readonly schedule: ScheduleKeeper;
  readonly log: Log;
  readonly now: () => Date;
  readonly notifier: Notifier;
  readonly scans: ScanCoordinator;
  readonly admins: Admins;
  readonly settler: RemediationSettler;
  /** With config.events: the events pipeline as it now stands. */
  readonly events?: () => import('../usecases/events/events-report.js').EventsReport | undefined;
  /** Present when remediation.enabled: what Remediate and Undo run on. */
  readonly remediation?: import('../usecases/remediation/remediate.js').RemediationParts;
  /** Present when securityHub.enabled: the push after each scan and re-check. */
  readonly securityHub?: import('../usecases/security-hub/sync.js').SecurityHubSync;
  /** With config.summary: when the summary is due, and its clock. */
  readonly summary?: SummaryTiming;
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
  /** With securityHub.enabled: the push to Security Hub. */
  readonly securityHub: import('../usecases/security-hub/sync.js').SecurityHubSync | undefined;
  private readonly parts: BotParts;
  private readonly deps: BotDeps;
  /** Every channel the config sends to: slack.channel, then the accounts' own. */
  private readonly channels: readonly string[];
  private schedule: { next(): string | null; stop(): Promise<void> } | undefined;
  private readonly summary: ScheduledSummary | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private settling: Promise<void> | undefined;
  private readonly settler: RemediationSettler;

  constructor(parts: BotParts) {
    this.parts = parts;
    const { config, record, slack, log, now } = parts;
    this.channels = channelsOf(config);
    this.settler = parts.settler;
    this.notifier = parts.notifier;
    this.scans = parts.scans;
    this.securityHub = parts.securityHub;
    this.summary =
      config.summary === undefined || parts.summary === undefined
        ? undefined
        : new ScheduledSummary(config, parts.summary, { record, log, wake: () => this.notifier.wake() });
    this.scans.whenFinished(() => {
      this.notifier.wake();
      parts.securityHub?.wake();
      void this.refreshHomes();
    });
    this.deps = {
      config,
      record,
      slack,
      admins: parts.admins,
      scans: this.scans,
      notifier: this.notifier,
      log,
      now,
      nextScan: () => this.schedule?.next() ?? null,
      unsettledRemediations: () => this.settler.unsettled(),
      events: () => parts.events?.(),
      securityHub: () => parts.securityHub?.report(),
      ...(parts.remediation === undefined ? {} : { remediation: parts.remediation }),
    };
    const deps = this.deps;
    this.listeners = {
      command: (userId, text, respond, triggerId) =>
        handleCommand(deps, userId, text, async (r) => void (await respond(r)), triggerId),
      acknowledgeClick: (request, respond) =>
        handleAcknowledgeClick(deps, request, async (r) => void (await respond(r))),
      trustClick: (request, respond) => handleTrustClick(deps, request, async (r) => void (await respond(r))),
      scanNow: (userId) => handleScanNow(deps, userId),
      acknowledgeSubmit: (submission) => handleAcknowledgeSubmit(deps, submission),
      homeOpened: (userId) => handleHomeOpened(deps, userId),
      remediateClick: (request, respond) => handleRemediateClick(deps, request, async (r) => void (await respond(r))),
      remediateSubmit: (submission) => handleRemediateSubmit(deps, submission),
      checkSubmit: (submission) => handleCheckSubmit(deps, submission),
      undoClick: (request, respond) => handleUndoClick(deps, request, async (r) => void (await respond(r))),
    };
  }

  /** Starts delivering, the schedule, and (scanOnStart) one scan. */
  start(): void {
    this.notifier.start();
    const remediation = this.parts.remediation;
    if (remediation !== undefined) {
      this.settling = this.settler.run(remediation, () => this.notifier.wake(), this.stopping.signal);
    }
    this.schedule = this.parts.schedule.start(() => this.tick());
    this.summary?.start();
    if (this.parts.config.scanOnStart) this.tick();
    // What a stopped process left unpushed goes now.
    this.parts.securityHub?.wake();
  }

  /** Changes the record made outside a scan (a re-check of a key for an event) go to Security Hub too. */
  findingsChanged(): void {
    this.parts.securityHub?.wake();
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
    await this.summary?.stop();
    await this.scans.stop();
    await this.notifier.stop();
    await this.parts.securityHub?.stop();
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
          database: { ok: false, error: messageOf(error) },
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
        this.parts.log.warn({ event: 'home', user, error: messageOf(error) }, 'could not refresh the Home tab');
      });
    }
  }
}

/** Where the notifier sends each account's findings, from the config: an account's own channel, else slack.channel. */
export function deliveryRoutes(
  config: Config,
): Pick<NotifierSettings, 'channelFor' | 'accountsFor' | 'warningChannel' | 'channels' | 'digestThreshold'> {
  const defaultChannel = config.slack.channel as string;
  const own = (config.accounts ?? []).filter((a) => a.channel !== undefined);
  return {
    channelFor: (accountId) => config.accounts?.find((a) => a.id === accountId)?.channel ?? defaultChannel,
    accountsFor: (channel) =>
      channel === defaultChannel
        ? { except: own.filter((a) => a.channel !== channel).map((a) => a.id) }
        : { only: own.filter((a) => a.channel === channel).map((a) => a.id) },
    warningChannel: defaultChannel,
    channels: channelsOf(config),
    digestThreshold: config.slack.digestThreshold,
  };
}

/**
 * Every channel the config sends to, each once: slack.channel (alerts, digests, warnings), the accounts' own, then
 * the summary's.
 */
export function channelsOf(config: Config): string[] {
  const own = (config.accounts ?? []).map((a) => a.channel).filter((c): c is string => c !== undefined);
  const summary = config.summary?.channel === undefined ? [] : [config.summary.channel];
  return [...new Set([config.slack.channel as string, ...own, ...summary])];
}
