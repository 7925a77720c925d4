import { randomUUID } from 'node:crypto';
import type { OpenMode } from './adapters/store/open-database.js';
import type { Config } from './config/schema.js';
import { SentinelError } from './core/errors.js';
import type { TemplateReader } from './usecases/iac/check-iac.js';
import type { RecordPort } from './usecases/record-port.js';
import type { ScanParts } from './usecases/scan-and-record.js';
import { inThisThread, type ScanRunner } from './usecases/scan-runner.js';
import type { RecordReader } from './usecases/store-port.js';

export { auditRolePolicy, scannerPolicy } from './adapters/aws/permissions.js';
export { composeDoctor } from './compose/doctor.js';

import { gatewayOptions } from './compose/gateway-options.js';

/** The log a long-running front end writes (JSON lines; readable ones on a terminal), loaded only when asked for. */
export async function composeLog(level: string | undefined, options: { pretty?: boolean } = {}) {
  const { pinoLog } = await import('./adapters/log/pino-log.js');
  return pinoLog(level, options);
}

/**
 * The composition root: the one place that turns the validated config and the environment into working parts. Each
 * part lives as long as the process needs it (one scan, or a bot's lifetime) and has `close()`; everything else
 * receives what it needs as arguments. Adapters load on demand, so that a command pays only for what it uses.
 */

export type { OpenMode };

/** The AWS side of scans, for as many scans as the process runs. */
export interface AwsParts extends ScanParts {
  close(): Promise<void>;
}

/**
 * `worker` (the default): scans run on a thread of their own, with a bounded heap, and the SDK there reads `env` as
 * its environment. `here`: on the calling thread, whose process.env the SDK reads (the same code; tests use it to
 * measure the scan's own memory).
 */
export async function composeAws(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  where: 'worker' | 'here' = 'worker',
): Promise<AwsParts> {
  const gateway = await gatewayOptions(config, env);
  const now = () => new Date();
  let scanner: ScanRunner;
  if (where === 'worker') {
    const { scanInWorker } = await import('./adapters/aws/worker/worker-scanner.js');
    const concurrency = { regions: config.scan.regionConcurrency, keys: config.scan.keyConcurrency };
    scanner = scanInWorker(gateway, concurrency, env);
  } else {
    const { AwsGateway } = await import('./adapters/aws/aws-gateway.js');
    scanner = inThisThread(new AwsGateway(gateway), now);
  }
  return { scanner, now, newId: randomUUID, close: () => scanner.close() };
}

/** The database a command uses: `--db` when given, else the config's `database:`. */
export function databasePath(config: Config, dbFlag: string | undefined): string {
  if (dbFlag === '' || dbFlag === ':memory:') {
    throw new SentinelError('usage', `--db ${JSON.stringify(dbFlag)} names no file; give the database's path`);
  }
  return dbFlag ?? config.database;
}

/**
 * Opens the record to change it. `create`: made when missing (commands that record). `existing`: a missing file is
 * an error (commands that change what a scan recorded). The config's trusted: entries are imported here, once each,
 * so that no front end has to remember to.
 */
export async function openRecordFor(
  config: Config,
  dbFlag: string | undefined,
  mode: Exclude<OpenMode, 'read'>,
): Promise<RecordPort> {
  const { openRecord } = await import('./adapters/store/worker/worker-record.js');
  return openRecord(databasePath(config, dbFlag), mode, { configTrust: config.trusted });
}

/** Opens the record only to read it: a missing file is an error, and nothing is written. */
export async function openReaderFor(
  config: Config,
  dbFlag: string | undefined,
): Promise<RecordReader & { readonly path: string; close(): void }> {
  const { openRecordReader } = await import('./adapters/store/worker/worker-record.js');
  return openRecordReader(databasePath(config, dbFlag));
}

/** The stored trust list, read without writing to the database at all; undefined when there is none yet. */
export async function peekStoredTrust(config: Config, dbFlag: string | undefined): Promise<string[] | undefined> {
  const { readTrustEntriesReadOnly } = await import('./adapters/store/open-database.js');
  return readTrustEntriesReadOnly(databasePath(config, dbFlag));
}

/** The Slack bot's settings from the environment (validated by the serve command). */
export interface SlackEnvironment {
  readonly botToken: string;
  readonly signingSecret: string | undefined;
  readonly appToken: string | undefined;
  readonly apiUrl: string | undefined;
  readonly port: number;
  readonly host?: string;
}

/** The bot and everything it runs on, for the life of the process. */
export interface BotSystem {
  readonly bot: import('./bot/bot.js').Bot;
  readonly record: RecordPort;
  readonly mode: 'http' | 'socket';
  /** The events consumer (config.events), if configured. */
  readonly events: import('./compose/events.js').EventsSystem | undefined;
  /** Checks the token, listens, then starts the schedule and the notifier; resolves with the port. */
  start(): Promise<{ port: number }>;
  /** Stops taking requests, abandons the scan under way, lets the message in flight finish, closes everything. */
  stop(): Promise<void>;
}

export async function composeBot(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  slackEnv: SlackEnvironment,
  options: {
    db: string | undefined;
    log: import('./usecases/log-port.js').Log;
    delivery?: import('./bot/bot.js').DeliveryTiming;
    /** The clock Slack's requests are judged by (their timestamps must be within five minutes of it). */
    slackClock?: () => Date;
    /** The clock remediations keep their claims on (see composeRemediation). */
    remediationClock?: RemediationClock;
    /** What fires scheduled scans (by default node-cron on config.schedule, in config.timezone). */
    schedule?: import('./bot/bot.js').ScheduleKeeper;
    /** What fires the scheduled summary (config.summary), and the clock it reads. */
    summary?: import('./compose/bot.js').BotInputs['summary'];
    /** The clock the events consumer reads and waits on (see EventClock). */
    events?: import('./compose/events.js').EventClock;
  },
): Promise<BotSystem> {
  const [{ buildBot }, { createSlackApp }] = await Promise.all([
    import('./compose/bot.js'),
    import('./adapters/slack/bolt-app.js'),
  ]);
  const record = await openRecordFor(config, options.db, 'create');
  const aws = await composeAws(config, env).catch(async (error: unknown) => {
    await record.close();
    throw error;
  });
  const app = createSlackApp({
    botToken: slackEnv.botToken,
    signingSecret: slackEnv.signingSecret,
    appToken: slackEnv.appToken,
    apiUrl: slackEnv.apiUrl,
    port: slackEnv.port,
    ...(slackEnv.host === undefined ? {} : { host: slackEnv.host }),
    log: options.log,
    ...(options.slackClock === undefined ? {} : { now: options.slackClock }),
  });
  const remediation = config.remediation.enabled
    ? await composeRemediation(config, env, record, options.remediationClock, options.log)
    : undefined;
  let events: import('./compose/events.js').EventsSystem | undefined;
  const bot = buildBot({
    config,
    events: () => events?.report(),
    ...(remediation === undefined ? {} : { remediation }),
    record,
    scanParts: aws,
    slack: app.client,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    log: options.log,
    ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
    ...(options.summary === undefined ? {} : { summary: options.summary }),
  });
  app.attach(bot.listeners, () => bot.health());
  if (config.events !== undefined) {
    const { eventsForBot } = await import('./compose/events.js');
    const gateway = await gatewayOptions(config, env);
    events = eventsForBot({ ...config, events: config.events }, gateway, record, bot, options.log, options.events);
  }
  const running = bot;
  let stopping: Promise<void> | undefined;
  const closeAll = async () => {
    await events?.stop();
    await running.stop();
    remediation?.close();
    await record.close();
    await aws.close();
  };
  return {
    bot: running,
    record,
    mode: app.mode,
    events,
    async start() {
      try {
        await events?.check();
        const { port } = await app.start();
        running.start();
        events?.start();
        return { port };
      } catch (error) {
        await app.stop();
        await closeAll();
        throw error;
      }
    },
    stop() {
      stopping ??= (async () => {
        await app.stop();
        await closeAll();
      })();
      return stopping;
    },
  };
}

/** `kms-sentinel watch`: the events consumer on its own (no Slack), recording like the bot. */
export async function composeWatch(
  ...args: Parameters<typeof import('./compose/events.js').composeWatch>
): Promise<import('./compose/events.js').EventsSystem> {
  const { composeWatch: compose } = await import('./compose/events.js');
  return compose(...args);
}

/** The time remediations read, and wait on to renew their claims (tests move it; the system's by default). */
export interface RemediationClock {
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What remediation runs on: the record, an AWS gateway on this thread (a few calls), the plan's accounts and roles. */
export async function composeRemediation(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  record: RecordPort,
  clock?: RemediationClock,
  log?: import('./usecases/log-port.js').Log,
): Promise<import('./usecases/remediation/remediate.js').RemediationParts & { close(): void }> {
  const [{ AwsGateway }, { scanPlanFrom }] = await Promise.all([
    import('./adapters/aws/aws-gateway.js'),
    import('./config/scan-plan-from-config.js'),
  ]);
  const aws = new AwsGateway(await gatewayOptions(config, env));
  return {
    record,
    aws,
    plan: scanPlanFrom(config),
    now: () => new Date(),
    ...clock,
    newId: randomUUID,
    iacTags: config.remediation.iacTags,
    ...(log === undefined ? {} : { log }),
    close: () => aws.close(),
  };
}

/** The demo's AWS: the loopback sandbox serving the built-in organization, and the config that scans it. */
export interface DemoAws {
  /** Where the sandbox listens. */
  readonly url: string;
  /** The demo's config file, as text (the demo prints it). */
  readonly configText: string;
  /** The environment a scan of the demo runs with: the user's AWS settings left out, the SDK pointed at the sandbox. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A queue that gets the CloudTrail event of each KMS change in the sandbox, as EventBridge would; its URL. */
  eventsQueue(): string;
  /** Points this thread's SDK clients at the sandbox (the scans' thread already is); returns what undoes it. */
  pointHere(): () => void;
  /** Replaces a key's policy, as a person in its account would (its event goes to the events queue). */
  putKeyPolicy(accountId: string, region: string, keyId: string, policy: string): void;
  stop(): Promise<void>;
}

export async function startDemoAws(env: Readonly<Record<string, string | undefined>>): Promise<DemoAws> {
  const [{ DEMO_CONFIG, demoWorld }, { startSandbox }, { sandboxEnvironment, pointSdkAt }] = await Promise.all([
    import('./demo/demo-world.js'),
    import('./sandbox/index.js'),
    import('./sandbox/sdk-env.js'),
  ]);
  const sandbox = await startSandbox(demoWorld());
  return {
    url: sandbox.url,
    configText: DEMO_CONFIG,
    env: sandboxEnvironment(env, sandbox.env),
    eventsQueue() {
      const queueUrl = sandbox.createQueue('kms-sentinel-events');
      sandbox.forwardEvents(queueUrl);
      return queueUrl;
    },
    pointHere: () => pointSdkAt(sandbox.env),
    putKeyPolicy: (accountId, region, keyId, policy) => sandbox.setKeyPolicy(accountId, region, keyId, policy),
    stop: () => sandbox.stop(),
  };
}

/** The CloudFormation and Terraform plan reader `check-iac` judges templates through. */
export async function composeTemplateReader(): Promise<TemplateReader> {
  const { readTemplate, templateKind } = await import('./adapters/iac/read-template.js');
  return { readTemplate, templateKind };
}
