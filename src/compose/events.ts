import { AwsGateway, type AwsGatewayOptions } from '../adapters/aws/aws-gateway.js';
import { SqsEventQueue } from '../adapters/aws/sqs-queue.js';
import { composeAws } from '../compose.js';
import { scanPlanFrom } from '../config/scan-plan-from-config.js';
import type { Config } from '../config/schema.js';
import { messageOf, SentinelError } from '../core/errors.js';
import type { QueueDepth } from '../usecases/event-queue-port.js';
import { ChangedKeyReader } from '../usecases/events/changed-key-reader.js';
import {
  type ConsumerStatus,
  EventConsumer,
  type Recheck,
  type RescanPort,
} from '../usecases/events/event-consumer.js';
import { EVENTS_SINCE, type EventsReport, eventsReport } from '../usecases/events/events-report.js';
import { ownCallMatcher, planCovers } from '../usecases/events/own-calls.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { type ScanParts, scanAndRecord } from '../usecases/scan-and-record.js';
import { gatewayOptions } from './gateway-options.js';
import { securityHubFor } from './security-hub.js';
import { systemSleep } from './system-sleep.js';

/** The time the consumer reads and waits on (tests move it; the system's by default). */
export interface EventClock {
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The near-real-time re-checks: the events queue, its consumer, and what reads the changed keys. */
export interface EventsSystem {
  readonly queueUrl: string;
  /** Fails (one line, an `environment` error) unless the queue can be read. */
  check(): Promise<void>;
  /** Starts consuming; `stop` ends it after the batch under way. */
  start(): void;
  stop(): Promise<void>;
  depth(): Promise<QueueDepth>;
  status(): ConsumerStatus;
  /** The pipeline as this process sees it, at once (the queue's depth as last asked, at most a minute ago). */
  report(): EventsReport;
}

/** How often the queue's depth is asked while the consumer runs. */
const DEPTH_EVERY_MS = 60_000;

export interface EventsInputs {
  readonly config: Config & { events: NonNullable<Config['events']> };
  readonly gateway: AwsGatewayOptions;
  readonly record: RecordPort;
  readonly rescans: RescanPort;
  readonly log: Log;
  readonly clock?: EventClock;
  readonly onRecheck?: (recheck: Recheck) => void;
}

export function buildEvents(inputs: EventsInputs): EventsSystem {
  const { config, gateway, record, log } = inputs;
  const events = config.events;
  const plan = scanPlanFrom(config);
  const aws = new AwsGateway(gateway);
  const queue = new SqsEventQueue(events.queueUrl, gateway.homeRegion);
  const clock = inputs.clock ?? { now: () => new Date(), sleep: systemSleep };
  let identity: { account: string; arn: string } | undefined;
  const consumer = new EventConsumer({
    queue,
    reader: new ChangedKeyReader(aws, plan, clock.now),
    record,
    rescans: inputs.rescans,
    inScope: planCovers(plan, () => identity?.account),
    isOurs: ownCallMatcher(plan, gateway.sessionName, () => identity?.arn),
    now: clock.now,
    sleep: clock.sleep,
    log,
    settings: { coalesceSeconds: events.coalesceSeconds, maxKeysPerBurst: events.maxKeysPerBurst },
    ...(inputs.onRecheck === undefined ? {} : { onRecheck: inputs.onRecheck }),
  });
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  let depth: EventsReport['depth'] = null;
  let depthError: string | null = null;
  const askDepth = () =>
    queue.depth().then(
      (d) => {
        depth = { ...d, at: clock.now().toISOString() };
        depthError = null;
      },
      (error: unknown) => {
        depthError = messageOf(error);
      },
    );
  let depthTimer: NodeJS.Timeout | undefined;
  return {
    queueUrl: events.queueUrl,
    async check() {
      try {
        await queue.probe();
        identity = await aws.callerIdentity();
      } catch (error) {
        throw new SentinelError(
          'environment',
          `the events queue ${events.queueUrl} cannot be read (${messageOf(error)}): check events.queueUrl, and that these credentials may sqs:ReceiveMessage and sqs:GetQueueAttributes on it`,
        );
      }
    },
    start() {
      if (running !== undefined) return;
      if (record.botState(EVENTS_SINCE) === undefined) {
        void record.setBotState(EVENTS_SINCE, clock.now().toISOString()).catch(() => undefined);
      }
      running = consumer.run(stopping.signal).catch((error: unknown) => {
        log.error({ event: 'events', error: messageOf(error) }, 'the events consumer stopped');
      });
      void askDepth();
      depthTimer = setInterval(() => void askDepth(), DEPTH_EVERY_MS);
      depthTimer.unref();
      log.info({ event: 'events', queueUrl: events.queueUrl }, 'reading KMS change events');
    },
    async stop() {
      stopping.abort();
      clearInterval(depthTimer);
      await running;
      queue.close();
      aws.close();
    },
    depth: () => queue.depth(),
    status: () => consumer.status(),
    report: () => eventsReport(record, events.queueUrl, consumer.status(), depth, depthError),
  };
}

/** The events consumer of a bot: rescans through its scans, alerts through its notifier. */
export function eventsForBot(
  config: EventsInputs['config'],
  gateway: AwsGatewayOptions,
  record: RecordPort,
  bot: import('../bot/bot.js').Bot,
  log: Log,
  clock: EventClock | undefined,
): EventsSystem {
  return buildEvents({
    config,
    gateway,
    record,
    rescans: rescansThrough(bot.scans),
    log,
    ...(clock === undefined ? {} : { clock }),
    onRecheck: (recheck) => {
      log.info({ event: 'recheck', ...recheck }, 'a changed key was read again');
      if (recheck.newFindings > 0 || recheck.resolved > 0) bot.notifier.wake();
      bot.findingsChanged();
    },
  });
}

/**
 * The events consumer of `kms-sentinel watch`: the same consumer without Slack, rescans one at a time through the
 * scanner, each re-check handed to `onRecheck` (printed).
 */
export function eventsForWatch(
  config: EventsInputs['config'],
  gateway: AwsGatewayOptions,
  record: RecordPort,
  scanParts: ScanParts,
  log: Log,
  onRecheck: (recheck: Recheck) => void,
  clock?: EventClock,
): EventsSystem {
  const plan = scanPlanFrom(config);
  let scanning = false;
  const rescans: RescanPort = {
    start(accountId, region) {
      if (scanning) return undefined;
      scanning = true;
      return scanAndRecord(scanParts, record, plan, {
        startedBy: 'event',
        scope: { accounts: [accountId], regions: [region] },
      })
        .then((report) => report.scan.complete)
        .finally(() => {
          scanning = false;
        });
    },
  };
  return buildEvents({ config, gateway, record, rescans, log, onRecheck, ...(clock === undefined ? {} : { clock }) });
}

/** Rescans through the bot's scans: one at a time, so a rescan asked while a scan runs waits for a later try. */
export function rescansThrough(scans: import('../bot/scan-coordinator.js').ScanCoordinator): RescanPort {
  return {
    start(accountId, region) {
      const started = scans.start('event', { accounts: [accountId], regions: [region] });
      return started.started ? started.done.then((summary) => summary?.complete === true) : undefined;
    },
  };
}

/** `kms-sentinel watch`: the events consumer on its own (no Slack), recording like the bot. */
export async function composeWatch(
  config: Config & { events: NonNullable<Config['events']> },
  env: Readonly<Record<string, string | undefined>>,
  record: RecordPort,
  log: import('../usecases/log-port.js').Log,
  onRecheck: (recheck: import('../usecases/events/event-consumer.js').Recheck) => void,
): Promise<EventsSystem> {
  const scans = await composeAws(config, env);
  const hub = securityHubFor(config, record, log);
  const events = eventsForWatch(config, await gatewayOptions(config, env), record, scans, log, (recheck) => {
    onRecheck(recheck);
    hub?.wake();
  });
  hub?.wake();
  return { ...events, stop: () => events.stop().finally(async () => Promise.all([hub?.stop(), scans.close()])) };
}
