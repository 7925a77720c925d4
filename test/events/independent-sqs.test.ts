import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/cli/run.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import type { Recheck } from '../../src/usecases/events/event-consumer.js';
import { botConfig } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PROD } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { type IndependentSqs, startIndependentSqs } from '../helpers/independent-sqs.js';
import { sharedWith } from '../helpers/sandbox.js';

const independent = suite(
  'events: the consumer reads an SQS the project did not write (AWS JSON protocol, AWS_ENDPOINT_URL_SQS)',
);

const REGION = 'us-east-1';
const JSON_1_0 = 'application/x-amz-json-1.0';

interface StandIn {
  readonly sandbox: Sandbox;
  /** A key of prod with no finding. */
  readonly cleanKey: string;
  readonly sqs: IndependentSqs;
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
async function withStandIn(test: (s: StandIn) => Promise<void>): Promise<void> {
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

/** `kms-sentinel watch --format json` running in this process: its printed re-checks, and its SIGTERM. */
function watch(args: string[]) {
  const rechecks: Recheck[] = [];
  const printed = new EventEmitter();
  let interrupt: (() => unknown) | undefined;
  let stderr = '';
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
    env: cliEnv(),
    stderrIsTTY: false,
    onInterrupt: (cleanup) => {
      interrupt = cleanup;
      return () => undefined;
    },
  });
  return {
    /** The first re-check `match` accepts (printed already, or to come). */
    recheck(match: (r: Recheck) => boolean, what: string): Promise<Recheck> {
      return deadline(
        (async () => {
          for (;;) {
            const found = rechecks.find(match);
            if (found !== undefined) return found;
            await Promise.race([once(printed, 'line'), exited.then(() => Promise.reject(new Error(stderr)))]);
          }
        })(),
        what,
      );
    },
    async stop(): Promise<number> {
      await interrupt?.();
      return deadline(exited, 'watch stopping');
    },
  };
}

/** The environment the CLI runs in: the SDK's settings as withStandIn made them, logs only when fatal. */
const cliEnv = (extra: Record<string, string> = {}) => ({ ...process.env, LOG_LEVEL: 'fatal', ...extra });

/**
 * What EventBridge delivers to a queue for a KMS call CloudTrail recorded (an "AWS API Call via CloudTrail" event
 * around the CloudTrail record), shaped after AWS's documentation: the EventBridge event structure and the KMS
 * examples of CloudTrail log entries (https://docs.aws.amazon.com/kms/latest/developerguide/ct-creategrant.html).
 */
function kmsEvent(
  eventName: string,
  keyArn: string,
  at: Date,
  requestParameters: object,
  responseElements: object | null,
): string {
  const time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
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
      resources: [{ accountId: PROD, type: 'AWS::KMS::Key', ARN: keyArn }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: PROD,
      eventCategory: 'Management',
    },
  });
}

const requestsTo = (sqs: IndependentSqs, action: string) =>
  sqs.requests.filter((r) => r.target === `AmazonSQS.${action}`);

independent(
  'a policy opened after the scan is recorded from its event, taken by a long poll and deleted; junk is deleted',
  () =>
    withStandIn(async ({ sandbox, cleanKey: keyId, sqs, queueUrl, dir, config }) => {
      const file = config();
      const db = join(dir, 'kms-sentinel.db');
      const scanned = await cli(['scan', '--config', file, '--db', db, '--format', 'json'], '', cliEnv());
      const before = JSON.parse(scanned.stdout) as { findings: { keyId: string }[] };
      assert.ok(before.findings.length > 0 && !before.findings.some((f) => f.keyId === keyId), scanned.stderr);
      const keyArn = `arn:aws:kms:${REGION}:${PROD}:key/${keyId}`;
      const watching = watch(['--config', file, '--db', db]);
      try {
        // The consumer waits in a long poll; the change and a message that is no event arrive while it waits.
        await deadline(
          sqs.until(() => sqs.waiting(queueUrl) > 0),
          'the consumer long-polling the stand-in',
        );
        const policy = sharedWith(PROD, FOREIGN);
        sandbox.setKeyPolicy(PROD, REGION, keyId, policy);
        const body = kmsEvent('PutKeyPolicy', keyArn, new Date(), { keyId, policyName: 'default', policy }, null);
        sqs.send(queueUrl, body);
        sqs.send(queueUrl, 'not json at all');
        const recheck = await watching.recheck((r) => r.keyArn === keyArn, 'the re-check of the changed key');
        assert.is(recheck.outcome, 'recorded');
        assert.is(recheck.newFindings, 1);
        assert.equal(recheck.events, ['PutKeyPolicy']);
        await deadline(
          sqs.until(() => sqs.visible(queueUrl) === 0 && sqs.inFlight(queueUrl) === 0),
          'both messages deleted from the stand-in',
        );
      } finally {
        assert.is(await watching.stop(), 0);
      }
      // The SDK spoke the JSON protocol, and the message came back on a long poll, not a later short one.
      const receives = requestsTo(sqs, 'ReceiveMessage');
      assert.ok(receives.length > 0 && receives.every((r) => r.contentType === JSON_1_0));
      const delivered = receives.find((r) => JSON.stringify(r.answer).includes(keyArn));
      assert.is(delivered?.body.WaitTimeSeconds, 20, 'the event was handed to a waiting long poll');
      const deletes = requestsTo(sqs, 'DeleteMessageBatch');
      assert.ok(deletes.length > 0, 'deleted through DeleteMessageBatch');
      assert.ok(deletes.every((r) => Array.isArray(r.answer?.Failed) && r.answer.Failed.length === 0));
      assert.ok(
        sqs.requests.every((r) => r.answer?.__type === undefined),
        `no request the stand-in refused: ${JSON.stringify(sqs.requests.filter((r) => r.answer?.__type))}`,
      );
      const listed = await cli(['findings', '--config', file, '--db', db, '--format', 'json'], '', cliEnv());
      const { findings } = JSON.parse(listed.stdout) as { findings: { keyId: string; principal: string }[] };
      const found = findings.filter((f) => f.keyId === keyId);
      assert.is(found.length, 1, 'the finding is in the record');
      assert.match(JSON.stringify(found), FOREIGN);
    }),
);

independent('a grant the event names but KMS does not list yet is handed back, then recorded once it shows', () =>
  withStandIn(async ({ sandbox, cleanKey: keyId, sqs, clock, queueUrl, dir, config }) => {
    const keyArn = `arn:aws:kms:${REGION}:${PROD}:key/${keyId}`;
    const grantId = 'b'.repeat(64);
    const grantee = `arn:aws:iam::${FOREIGN}:root`;
    sqs.send(
      queueUrl,
      kmsEvent(
        'CreateGrant',
        keyArn,
        clock.now(),
        { keyId: keyArn, granteePrincipal: grantee, operations: ['Decrypt'] },
        { grantId, keyId: keyArn },
      ),
    );
    const watching = watch(['--config', config(), '--db', join(dir, 'kms-sentinel.db')]);
    try {
      const later = await watching.recheck((r) => r.keyArn === keyArn, 'the first read of the granted key');
      assert.is(later.outcome, 'read-again-later');
      // Handed back with ChangeMessageVisibility on its current receipt handle: in flight until the backoff ends.
      await deadline(
        sqs.until(() => requestsTo(sqs, 'ChangeMessageVisibility').length > 0),
        'the message handed back',
      );
      const [handedBack] = requestsTo(sqs, 'ChangeMessageVisibility');
      assert.is(handedBack?.answer?.__type, undefined, JSON.stringify(handedBack?.answer));
      const seconds = Number(handedBack?.body.VisibilityTimeout);
      assert.ok(seconds >= 1 && seconds <= 300, `a backoff of ${seconds} s`);
      assert.equal([sqs.visible(queueUrl), sqs.inFlight(queueUrl)], [0, 1]);
      // KMS catches up; once the backoff has passed, the message comes back and the key is read again.
      sandbox.addGrant(PROD, REGION, keyId, { grantId, granteePrincipal: grantee, operations: ['Decrypt'] });
      clock.advance(seconds * 1000);
      sqs.tick();
      const recorded = await watching.recheck(
        (r) => r.keyArn === keyArn && r.outcome === 'recorded',
        'the re-check once KMS lists the grant',
      );
      assert.is(recorded.newFindings, 1);
      await deadline(
        sqs.until(() => sqs.visible(queueUrl) === 0 && sqs.inFlight(queueUrl) === 0),
        'the message deleted once recorded',
      );
    } finally {
      assert.is(await watching.stop(), 0);
    }
  }),
);

independent('serve and watch refuse, in one line, a queue the stand-in does not have', () =>
  withStandIn(async ({ sqs, dir, config }) => {
    const missing = `${sqs.endpoint}/${PROD}/no-such-queue`;
    const file = config(missing);
    const db = join(dir, 'kms-sentinel.db');
    const env = cliEnv({
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      PORT: '0',
    });
    for (const command of ['serve', 'watch']) {
      const result = await deadline(cli([command, '--config', file, '--db', db], '', env), `${command} refusing`);
      assert.is(result.code, 2, `${command}: ${result.stderr}`);
      assert.match(result.stderr, /events queue .* cannot be read/);
      assert.is(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    }
    const refused = sqs.requests.filter((r) => r.body.QueueUrl === missing);
    assert.ok(refused.length >= 2);
    assert.ok(refused.every((r) => r.answer?.__type === 'com.amazonaws.sqs#QueueDoesNotExist'));
  }),
);

independent.run();
