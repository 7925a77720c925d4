/**
 * The events consumer on a real stack without the project's own SQS: KMS and STS from the project's sandbox, SQS from
 * the independent stand-in (./independent-sqs.ts), and `kms-sentinel watch` run in this process.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import type { Recheck } from '../../src/usecases/events/event-consumer.js';
import { botConfig } from './bot.js';
import { botWorld, KEYS, PROD } from './bot-world.js';
import { deadline, ManualClock } from './clock.js';
import { type IndependentSqs, startIndependentSqs } from './independent-sqs.js';

export const REGION = 'us-east-1';

export interface StandIn {
  readonly sandbox: Sandbox;
  /** A key of prod with no finding. */
  readonly cleanKey: string;
  readonly sqs: IndependentSqs;
  /** The stand-in's clock: when messages were sent, and when they are visible again. */
  readonly clock: ManualClock;
  readonly queueUrl: string;
  readonly dir: string;
  /** A config file whose events: section names `queueUrl` (the stand-in's queue by default). */
  config(queueUrl?: string): string;
}

/**
 * KMS and STS from the project's sandbox, SQS from the independent stand-in: the SDK finds it through
 * AWS_ENDPOINT_URL_SQS, as it would find LocalStack or a real regional endpoint.
 */
export async function withStandIn(test: (s: StandIn) => Promise<void>): Promise<void> {
  const clock = new ManualClock();
  const world = botWorld();
  const keys = world.accounts[0]?.regions[0]?.keys ?? [];
  const cleanKey = keys.map((k) => k.keyId).find((id) => !Object.values(KEYS).includes(id));
  if (cleanKey === undefined) throw new Error('no clean key in the world');
  const sandbox = await startSandbox(world);
  const sqs = await startIndependentSqs({ now: () => clock.now().getTime() });
  const restore = pointSdkAt({ ...sandbox.env, AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_EC2_METADATA_DISABLED: 'true' });
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-independent-sqs-'));
  const queueUrl = sqs.createQueue('kms-sentinel-events', PROD);
  const config = (url = queueUrl) => {
    const path = join(dir, `kms-sentinel-${randomUUID()}.yml`);
    writeFileSync(path, botConfig(`events: { queueUrl: "${url}", coalesceSeconds: 0 }\n`));
    return path;
  };
  try {
    await test({ sandbox, cleanKey, sqs, clock, queueUrl, dir, config });
  } finally {
    restore();
    await sqs.stop();
    await sandbox.stop();
  }
}

/** One line of the JSON log (pino's level label, its message, its fields). */
export type LogLine = { readonly level: string; readonly msg: string } & Record<string, unknown>;

/**
 * `kms-sentinel watch --format json` running in this process: its printed re-checks, and its SIGTERM. With `logLevel`,
 * its JSON log lines (written to this process's stderr) are taken while it runs, to be awaited with `logged`.
 */
export function watch(args: string[], options: { logLevel?: 'info' | 'warn' } = {}) {
  const rechecks: Recheck[] = [];
  const logs: LogLine[] = [];
  const printed = new EventEmitter();
  let interrupt: (() => unknown) | undefined;
  let stderr = '';
  const untap = options.logLevel === undefined ? () => undefined : tapLog(logs, printed);
  const exited = run(['watch', ...args, '--format', 'json'], {
    stdout: (text) => {
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) rechecks.push(JSON.parse(line) as Recheck);
      printed.emit('line');
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path) => readFile(path, 'utf8'),
    readStdin: async () => '',
    fileExists: existsSync,
    env: cliEnv(options.logLevel === undefined ? {} : { LOG_LEVEL: options.logLevel }),
    stderrIsTTY: false,
    onInterrupt: (cleanup) => {
      interrupt = cleanup;
      return () => undefined;
    },
  }).finally(untap);
  /** The first of `items` that `match` accepts (there already, or to come). */
  const first = <T>(items: readonly T[], match: (item: T) => boolean, what: string): Promise<T> =>
    deadline(
      (async () => {
        for (;;) {
          const found = items.find(match);
          if (found !== undefined) return found;
          await Promise.race([once(printed, 'line'), exited.then(() => Promise.reject(new Error(stderr)))]);
        }
      })(),
      what,
    );
  return {
    /** Every re-check printed so far, in order. */
    rechecks: rechecks as readonly Recheck[],
    /** The first re-check `match` accepts (printed already, or to come). */
    recheck: (match: (r: Recheck) => boolean, what: string) => first(rechecks, match, what),
    /** The first log line `match` accepts (logged already, or to come); only with `logLevel`. */
    logged: (match: (l: LogLine) => boolean, what: string) => first(logs, match, what),
    /** What `watch` returns; it has not returned while the promise is pending. */
    exited,
    /** SIGTERM, as the CLI's signal handler delivers it: resolves when watch's cleanup does. */
    interrupt: async (): Promise<unknown> => interrupt?.(),
    async stop(): Promise<number> {
      await interrupt?.();
      return deadline(exited, 'watch stopping');
    },
  };
}

/** Takes pino's JSON lines off this process's stderr (where the CLI's log writes) until the returned function runs. */
function tapLog(logs: LogLine[], printed: EventEmitter): () => void {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text.startsWith('{"level":'))
      return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    for (const line of text.split('\n').filter((l) => l !== '')) logs.push(JSON.parse(line) as LogLine);
    printed.emit('line');
    return true;
  }) as typeof process.stderr.write;
  return () => {
    process.stderr.write = write;
  };
}

/** The environment the CLI runs in: the SDK's settings as withStandIn made them, logs only when fatal. */
export const cliEnv = (extra: Record<string, string> = {}) => ({ ...process.env, LOG_LEVEL: 'fatal', ...extra });

/**
 * What EventBridge delivers to a queue for a KMS call CloudTrail recorded (an "AWS API Call via CloudTrail" event
 * around the CloudTrail record), shaped after AWS's documentation: the EventBridge event structure and the KMS
 * examples of CloudTrail log entries (https://docs.aws.amazon.com/kms/latest/developerguide/ct-creategrant.html).
 * `keyArn` null: a record that names no key (no resources); `at` as a string: the times exactly as given.
 */
export function kmsEvent(
  eventName: string,
  keyArn: string | null,
  at: Date | string,
  requestParameters: object,
  responseElements: object | null,
): string {
  const time = typeof at === 'string' ? at : at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    account: PROD,
    time,
    region: REGION,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/Alice`, accountId: PROD, userName: 'Alice' },
      eventTime: time,
      eventSource: 'kms.amazonaws.com',
      eventName,
      awsRegion: REGION,
      sourceIPAddress: '192.0.2.0',
      requestParameters,
      responseElements,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      resources: keyArn === null ? [] : [{ accountId: PROD, type: 'AWS::KMS::Key', ARN: keyArn }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: PROD,
      eventCategory: 'Management',
    },
  });
}

export const requestsTo = (sqs: IndependentSqs, action: string) =>
  sqs.requests.filter((r) => r.target === `AmazonSQS.${action}`);
