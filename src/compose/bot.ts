import { startSchedule } from '../adapters/schedule/cron-schedule.js';
import { Admins } from '../bot/authorization.js';
import { Bot, type DeliveryTiming, deliveryRoutes, type ScheduleKeeper } from '../bot/bot.js';
import { accountName } from '../bot/handlers/home.js';
import { Notifier } from '../bot/notifier.js';
import { RemediationSettler } from '../bot/remediation-settler.js';
import { ScanCoordinator } from '../bot/scan-coordinator.js';
import type { SummaryTiming } from '../bot/summary.js';
import { scanPlanFrom } from '../config/scan-plan-from-config.js';
import type { Config } from '../config/schema.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import type { RemediationParts } from '../usecases/remediation/remediate.js';
import type { ScanParts } from '../usecases/scan-and-record.js';
import type { SlackPort } from '../usecases/slack-port.js';
import { securityHubFor } from './security-hub.js';

/** What the bot is built on: the record, the scans' AWS side, the Slack client, the schedule, remediation if on. */
export interface BotInputs {
  readonly config: Config;
  readonly record: RecordPort;
  readonly scanParts: ScanParts;
  readonly slack: SlackPort;
  /** What fires scheduled scans (node-cron on config.schedule, in config.timezone, by default). */
  readonly schedule?: ScheduleKeeper;
  readonly log: Log;
  readonly remediation?: RemediationParts;
  /** The events pipeline as it now stands (config.events), for /kms status. */
  readonly events?: () => import('../usecases/events/events-report.js').EventsReport | undefined;
  /** Delivery timing (tests shorten it, or run it on a clock of their own): see NotifierSettings. */
  readonly delivery?: DeliveryTiming;
  /** With config.summary: what fires it and its clock (node-cron on summary.schedule and the system's by default). */
  readonly summary?: Partial<SummaryTiming>;
}

/** Builds the bot and every part it runs on: the part of the composition root that serves `serve`. */
export function buildBot(inputs: BotInputs): Bot {
  const { config, record, slack, log } = inputs;
  // The handlers answer on the system's clock; delivery may run on a clock of its own (inputs.delivery).
  const now = () => new Date();
  const notifier = new Notifier(record, slack, log, {
    ...deliveryRoutes(config),
    accountName: (accountId) => accountName(config, accountId),
    roleName: config.roleName,
    remediation: config.remediation.enabled,
    now,
    ...inputs.delivery,
  });
  const securityHub = securityHubFor(config, record, log);
  return new Bot({
    config,
    record,
    slack,
    log,
    now,
    schedule: inputs.schedule ?? {
      start: (tick) => startSchedule(config.schedule, config.timezone, () => tick()),
    },
    notifier,
    scans: new ScanCoordinator({ parts: inputs.scanParts, record, plan: scanPlanFrom(config), log }),
    admins: new Admins(config.slack.admins, slack, log),
    settler: new RemediationSettler(log),
    ...(inputs.events === undefined ? {} : { events: inputs.events }),
    ...(securityHub === undefined ? {} : { securityHub }),
    ...(inputs.remediation === undefined ? {} : { remediation: inputs.remediation }),
    ...(config.summary === undefined ? {} : { summary: summaryTiming(config, config.summary, inputs.summary) }),
  });
}

function summaryTiming(
  config: Config,
  summary: NonNullable<Config['summary']>,
  given: Partial<SummaryTiming> | undefined,
): SummaryTiming {
  return {
    schedule: given?.schedule ?? {
      start: (tick) => startSchedule(summary.schedule, config.timezone, () => tick(), 'kms-sentinel summary'),
    },
    now: given?.now ?? (() => new Date()),
  };
}
