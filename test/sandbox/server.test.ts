import { Agent, type IncomingMessage, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DescribeKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { clientConfig, keyId, MANAGEMENT, MEMBER, REGION, rejection, testWorld } from './sandbox-world.js';

const test = suite('sandbox server');

test('every answer waits latencyMs', async () => {
  const sandbox = await startSandbox(testWorld({ latencyMs: 60 }));
  try {
    const kms = new KMSClient(clientConfig(sandbox));
    await kms.send(new ListKeysCommand({}));
    const started = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => kms.send(new DescribeKeyCommand({ KeyId: keyId(1) }))));
    const elapsed = performance.now() - started;
    // A lower bound only: real time never runs short. That answers overlap (20 at once take about one latency, not 20)
    // is a matter of speed, measured by the scan-latency benchmark, not asserted on a loaded machine's clock.
    assert.ok(elapsed >= 59, `took ${elapsed} ms`);
  } finally {
    await sandbox.stop();
  }
});

test('stats count calls per operation and per account+region, and reset', async () => {
  const sandbox = await startSandbox(testWorld());
  try {
    const kms = new KMSClient(clientConfig(sandbox));
    await kms.send(new ListKeysCommand({}));
    await kms.send(new DescribeKeyCommand({ KeyId: keyId(2) }));
    await new KMSClient(clientConfig(sandbox, 'us-east-1')).send(new ListKeysCommand({}));
    await new STSClient(clientConfig(sandbox)).send(new GetCallerIdentityCommand({}));
    assert.equal(sandbox.stats(), {
      total: 4,
      throttled: 0,
      byOperation: { 'kms:ListKeys': 2, 'kms:DescribeKey': 1, 'sts:GetCallerIdentity': 1 },
      throttledByOperation: {},
      byAccountRegion: { [`${MANAGEMENT}/${REGION}`]: 3, [`${MANAGEMENT}/us-east-1`]: 1 },
    });
    sandbox.resetStats();
    assert.is(sandbox.stats().total, 0);
    assert.equal(sandbox.stats().byOperation, {});
  } finally {
    await sandbox.stop();
  }
});

test('stop() closes a request that never gets an answer', async () => {
  const world = testWorld();
  const sandbox = await startSandbox({ ...world, callerAccount: MEMBER });
  const kms = new KMSClient({ ...clientConfig(sandbox, 'eu-north-1'), maxAttempts: 1 });
  const hung = new Promise<void>((resolve) => sandbox.events.once('hang', () => resolve()));
  const pending = rejection(kms.send(new ListKeysCommand({})));
  await hung;
  await sandbox.stop();
  const error = await pending;
  assert.instance(error, Error);
});

test('the env map points a client built from standard settings at the sandbox', async () => {
  const sandbox = await startSandbox(testWorld());
  const restore = pointSdkAt(sandbox.env);
  try {
    assert.is(sandbox.env.AWS_ENDPOINT_URL_KMS, sandbox.url);
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const { Keys } = await new KMSClient({}).send(new ListKeysCommand({ Limit: 1 }));
    assert.is(Keys?.[0]?.KeyArn, `arn:aws:kms:${REGION}:${MANAGEMENT}:key/${keyId(1)}`);
    const identity = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    assert.is(identity.Account, MANAGEMENT);
  } finally {
    restore();
    await sandbox.stop();
  }
});

function post(
  url: string,
  agent: Agent,
  headers: Record<string, string>,
): Promise<{ response: IncomingMessage; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ response, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

test('an unsigned request is refused, and connections are kept alive', async () => {
  const sandbox = await startSandbox(testWorld());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' };
    const first = await post(sandbox.url, agent, headers);
    assert.is(first.response.statusCode, 400);
    assert.equal(JSON.parse(first.body), {
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    assert.ok(first.response.headers['x-amzn-requestid']);
    const second = await post(sandbox.url, agent, headers);
    assert.ok(second.reused, 'the second request reused the socket');
  } finally {
    agent.destroy();
    await sandbox.stop();
  }
});

test.run();
