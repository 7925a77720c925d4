import { DescribeKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSandbox } from '../../src/sandbox/index.js';
import { clientConfig, keyId, MANAGEMENT, REGION, testWorld } from './sandbox-world.js';

const test = suite('sandbox throttling');

test('requests over the quota answer ThrottlingException, per operation', async () => {
  const sandbox = await startSandbox(testWorld({ quotas: { ListKeys: 2 } }), { clock: () => 0 });
  try {
    const kms = new KMSClient({ ...clientConfig(sandbox), maxAttempts: 1 });
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => kms.send(new ListKeysCommand({}))));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as Error] : []));
    assert.is(failures.length, 2);
    for (const failure of failures) {
      assert.is(failure.name, 'ThrottlingException');
      assert.is(failure.message, 'Rate exceeded');
    }
    await kms.send(new DescribeKeyCommand({ KeyId: keyId(1) }));
    await new KMSClient({ ...clientConfig(sandbox, 'us-east-1'), maxAttempts: 1 }).send(new ListKeysCommand({}));
    const stats = sandbox.stats();
    assert.is(stats.throttled, 2);
    assert.equal(stats.throttledByOperation, { 'kms:ListKeys': 2 });
    assert.is(stats.byOperation['kms:ListKeys'], 5);
    assert.is(stats.byAccountRegion[`${MANAGEMENT}/${REGION}`], 5);
  } finally {
    await sandbox.stop();
  }
});

test('a client with default retries gets through once the quota refills', async () => {
  let now = 0;
  const sandbox = await startSandbox(testWorld({ quotas: { DescribeKey: 1 } }), { clock: () => now });
  try {
    await new KMSClient({ ...clientConfig(sandbox), maxAttempts: 1 }).send(new DescribeKeyCommand({ KeyId: keyId(1) }));
    sandbox.events.once('throttle', () => {
      now += 1000;
    });
    const output = await new KMSClient(clientConfig(sandbox)).send(new DescribeKeyCommand({ KeyId: keyId(1) }));
    assert.is(output.KeyMetadata?.KeyId, keyId(1));
    assert.is(output.$metadata.attempts, 2);
    assert.is(sandbox.stats().throttled, 1);
  } finally {
    await sandbox.stop();
  }
});

test.run();
