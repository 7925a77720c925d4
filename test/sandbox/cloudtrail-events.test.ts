import { KMSClient, PutKeyPolicyCommand, RevokeGrantCommand } from '@aws-sdk/client-kms';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { keyEventOf } from '../../src/core/events/key-event.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { clientConfig, keyId, MANAGEMENT, MEMBER, policyFor, REGION, testWorld } from './sandbox-world.js';

const trail = suite('sandbox: each KMS change reaches the queue as the CloudTrail event EventBridge would deliver');

trail('PutKeyPolicy, RevokeGrant and a grant added: one message each, naming the key and what changed', async () => {
  const sandbox = await startSandbox(testWorld());
  const restore = pointSdkAt(sandbox.env);
  const sqs = new SQSClient({});
  try {
    const QueueUrl = sandbox.createQueue('kms-sentinel-events');
    sandbox.forwardEvents(QueueUrl);
    const kms = new KMSClient(clientConfig(sandbox));
    const policy = policyFor(MANAGEMENT);
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId(1), PolicyName: 'default', Policy: policy }));
    sandbox.addGrant(MEMBER, REGION, keyId(100), {
      grantId: 'grant-new',
      granteePrincipal: 'arn:aws:iam::999999999999:root',
      operations: ['Decrypt'],
    });
    sandbox.removeGrant(MEMBER, REGION, keyId(100), 'grant-1');
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    const events = (received.Messages ?? []).map((m) => keyEventOf(m.Body ?? ''));
    const arn = (account: string, n: number) => `arn:aws:kms:${REGION}:${account}:key/${keyId(n)}`;
    assert.equal(
      events.map((e) => (e.kind === 'change' ? [e.eventName, e.keys.map((k) => k.arn), e.expect] : [e.kind])),
      [
        ['PutKeyPolicy', [arn(MANAGEMENT, 1)], [{ keyArn: arn(MANAGEMENT, 1), policy }]],
        ['CreateGrant', [arn(MEMBER, 100)], [{ keyArn: arn(MEMBER, 100), grantPresent: 'grant-new' }]],
        ['RevokeGrant', [arn(MEMBER, 100)], [{ keyArn: arn(MEMBER, 100), grantAbsent: 'grant-1' }]],
      ],
    );
    await kms.send(new RevokeGrantCommand({ KeyId: keyId(1), GrantId: 'none' })).catch(() => undefined);
    kms.destroy();
    assert.is(sandbox.queueDepth(QueueUrl).visible, 0, 'a failed call puts nothing on the queue');
  } finally {
    sqs.destroy();
    restore();
    await sandbox.stop();
  }
});

trail.run();
