import { EventEmitter, once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BotSystem, composeBot } from '../../src/compose.js';
import { parseConfig } from '../../src/config/load-config.js';
import { type Sandbox, startSandbox, type World } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import type { Log } from '../../src/usecases/log-port.js';
import { deadline, type ManualClock, WAIT_MS } from './clock.js';
import { FakeSlack } from './fake-slack.js';
import type { ManualSchedule } from './schedule.js';
import {
  blockAction,
  commandBody,
  interactionBody,
  type Posted,
  postSigned,
  SIGNING_SECRET,
} from './slack-requests.js';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export interface BotUnderTest {
  readonly slack: FakeSlack;
  readonly sandbox: Sandbox;
  readonly system: BotSystem;
  readonly url: string;
  readonly port: number;
  readonly db: string;
  readonly logs: LogEntry[];
  /** Resolves with the first log entry (already written or to come) that `match` accepts. */
  waitForLog(match: (entry: LogEntry) => boolean): Promise<LogEntry>;
  /** `/kms TEXT` from `user` (signed at `ts`, now by default); the reply Slack got at once, and its response_url's name. */
  command(text: string, user?: string, signed?: { ts?: number }): Promise<Posted & { responseName: string }>;
  /** A click on a button of a posted message. */
  click(
    user: string,
    message: { channel: string; ts: string },
    action: { action_id: string; value?: string; selected?: string },
  ): Promise<Posted & { responseName: string }>;
  interaction(payload: unknown): Promise<Posted>;
  stop(): Promise<void>;
}

export const ADMIN = 'U0ADMIN';
export const MEMBER = 'U0MEMBER';
export const ALERTS = 'C0ALERTS';

let counter = 0;

/**
 * Starts the real bot in this process: the real Bolt app on a loopback port (HTTP mode unless `socket` is given),
 * its Web API calls going to a fake Slack, its scans to the AWS sandbox, its record in a temp folder.
 */
export async function startBot(
  world: World,
  configText: string,
  options: {
    slack?: FakeSlack;
    db?: string;
    env?: Record<string, string>;
    channelSpacingMs?: number;
    retryBaseMs?: number;
    /** The clock the bot judges Slack's request timestamps by (the system's by default). */
    slackClock?: () => Date;
    /** The notifier's clock (its waits end when the test advances it). */
    clock?: ManualClock;
    pauseCheckMs?: number;
    /** The clock remediations keep their claims on (the system's by default). */
    remediationClock?: ManualClock;
    /** What fires scheduled scans (node-cron on the config's schedule by default). */
    schedule?: ManualSchedule;
    /** With config.summary: what fires the summary, and the clock it reads (node-cron and the system's by default). */
    summary?: { schedule: ManualSchedule; clock?: ManualClock };
    /** Runs on the AWS sandbox before the bot starts (faults its first calls should meet, say). */
    beforeStart?: (sandbox: Sandbox) => void;
    /**
     * Near-real-time re-checks: a queue on the sandbox gets the CloudTrail event of each KMS change it carries out,
     * and the config reads it (`events:` with these settings); `clock` is the consumer's.
     */
    events?: { coalesceSeconds?: number; maxKeysPerBurst?: number; clock?: ManualClock };
    /** The clock the AWS sandbox goes by (its queues' visibility timeouts, say). */
    sandboxClock?: ManualClock;
  } = {},
): Promise<BotUnderTest> {
  let configYaml = configText;
  const sandboxClock = options.sandboxClock;
  const sandbox = await startSandbox(
    world,
    sandboxClock === undefined ? {} : { clock: () => sandboxClock.now().getTime() },
  );
  options.beforeStart?.(sandbox);
  const restore = pointSdkAt({ ...sandbox.env, AWS_EC2_METADATA_DISABLED: 'true' });
  const slack = options.slack ?? (await new FakeSlack().start());
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-bot-'));
  const db = options.db ?? join(dir, 'kms-sentinel.db');
  if (options.events !== undefined) {
    const queueUrl = sandbox.createQueue('kms-sentinel-events');
    sandbox.forwardEvents(queueUrl);
    const { coalesceSeconds = 0, maxKeysPerBurst = 200 } = options.events;
    configYaml += `\nevents: { queueUrl: "${queueUrl}", coalesceSeconds: ${coalesceSeconds}, maxKeysPerBurst: ${maxKeysPerBurst} }\n`;
  }
  writeFileSync(join(dir, 'kms-sentinel.yml'), configYaml);
  const config = parseConfig(configYaml, 'test');
  const logs: LogEntry[] = [];
  const logged = new EventEmitter();
  const write = (entry: LogEntry) => {
    logs.push(entry);
    logged.emit('log', entry);
  };
  const log: Log = {
    info: (fields, message) => write({ level: 'info', fields, message }),
    warn: (fields, message) => write({ level: 'warn', fields, message }),
    error: (fields, message) => write({ level: 'error', fields, message }),
  };
  const env = { ...process.env, ...options.env };
  const system = await composeBot(
    config,
    env,
    {
      botToken: 'xoxb-test-token',
      signingSecret: env.SLACK_APP_TOKEN === undefined ? SIGNING_SECRET : undefined,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: slack.apiUrl,
      port: 0,
      host: '127.0.0.1',
    },
    {
      db,
      log,
      delivery: {
        ...(options.channelSpacingMs === undefined ? {} : { channelSpacingMs: options.channelSpacingMs }),
        ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
        ...(options.pauseCheckMs === undefined ? {} : { pauseCheckMs: options.pauseCheckMs }),
        ...(options.clock === undefined ? {} : { now: options.clock.now, sleep: options.clock.sleep }),
      },
      ...(options.slackClock === undefined ? {} : { slackClock: options.slackClock }),
      ...(options.remediationClock === undefined ? {} : { remediationClock: options.remediationClock }),
      ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
      ...(options.summary === undefined
        ? {}
        : {
            summary: {
              schedule: options.summary.schedule,
              ...(options.summary.clock === undefined ? {} : { now: options.summary.clock.now }),
            },
          }),
      ...(options.events?.clock === undefined ? {} : { events: options.events.clock }),
    },
  );
  const { port } = await system.start().catch(async (error: unknown) => {
    // The bot closed what it holds; the test's own parts go too, or they would keep the process alive.
    restore();
    await sandbox.stop();
    if (options.slack === undefined) await slack.stop();
    throw error;
  });
  const url = `http://127.0.0.1:${port}/slack/events`;
  const bot: BotUnderTest = {
    slack,
    sandbox,
    system,
    url,
    port,
    db,
    logs,
    waitForLog(match) {
      return deadline(
        (async () => {
          for (;;) {
            const found = logs.find(match);
            if (found !== undefined) return found;
            await once(logged, 'log');
          }
        })(),
        `a log line matching ${match.toString()}`,
        WAIT_MS,
      );
    },
    async command(text, user = MEMBER, signed = {}) {
      counter++;
      const responseName = `cmd-${counter}`;
      const posted = await postSigned(url, commandBody(text, user, slack.responseUrl(responseName)), signed);
      return { ...posted, responseName };
    },
    async click(user, message, action) {
      counter++;
      const responseName = `click-${counter}`;
      const posted = await postSigned(
        url,
        interactionBody(blockAction(user, message, action, slack.responseUrl(responseName))),
      );
      return { ...posted, responseName };
    },
    interaction: (payload) => postSigned(url, interactionBody(payload)),
    async stop() {
      await system.stop();
      restore();
      await sandbox.stop();
      if (options.slack === undefined) await slack.stop();
    },
  };
  return bot;
}

/** The config most bot tests use: two accounts, one with a channel of its own. */
export function botConfig(extra = ''): string {
  return `
accounts:
  - { id: "111111111111", name: prod }
  - { id: "222222222222", name: staging, channel: C0STAGING }
regions: [us-east-1]
schedule: "0 0 1 1 *"
slack:
  channel: ${ALERTS}
  admins: [${ADMIN}, S0SECTEAM]
${extra}`;
}
