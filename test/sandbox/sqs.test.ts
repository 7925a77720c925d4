import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { deadline } from '../helpers/clock.js';
import { MANAGEMENT, rejection, testWorld } from './sandbox-world.js';

const sqs = suite('sandbox SQS: the JSON protocol @aws-sdk/client-sqs speaks, found through AWS_ENDPOINT_URL_SQS');

/** The real client, pointed at the sandbox the way a user points it at LocalStack: by the SDK's environment. */
async function withQueue(test: (client: SQSClient, queueUrl: string, sandbox: Sandbox) => Promise<void>) {
  const sandbox = await startSandbox(testWorld());
  const restore = pointSdkAt(sandbox.env);
  const client = new SQSClient({});
  try {
    await test(client, sandbox.createQueue('kms-sentinel-events'), sandbox);
  } finally {
    client.destroy();
    restore();
    await sandbox.stop();
  }
}

sqs('a message sent is received with its body and a checksum the client verifies, counted, and gone once deleted', () =>
  withQueue(async (client, QueueUrl) => {
    assert.match(QueueUrl, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${MANAGEMENT}/kms-sentinel-events$`));
    const body = JSON.stringify({ source: 'aws.kms', detail: { note: 'ünïcödé ✓' } });
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    assert.is(first.Messages?.length, 1);
    const [message] = first.Messages ?? [];
    assert.is(message?.Body, body);
    assert.is(message?.Attributes?.ApproximateReceiveCount, '1');
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.is(again.Messages, undefined, 'in flight: not handed out twice');
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    assert.is(attributes.Attributes?.ApproximateNumberOfMessages, '0');
  }),
);

sqs('a long poll waits for a message and answers as soon as one is sent', () =>
  withQueue(async (client, QueueUrl, sandbox) => {
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await deadline(
      new Promise<void>((resolve) => {
        const seen = (operation: string) => {
          if (operation !== 'sqs:ReceiveMessage') return;
          sandbox.events.off('request', seen);
          resolve();
        };
        sandbox.events.on('request', seen);
        if (sandbox.stats().byOperation['sqs:ReceiveMessage'] === 1) resolve();
      }),
      'the long poll reaching the queue',
    );
    sandbox.sendMessage(QueueUrl, 'hello');
    const received = await deadline(polling, 'the long poll answering the message sent', 5000);
    assert.equal(
      received.Messages?.map((m) => m.Body),
      ['hello'],
    );
  }),
);

sqs(
  'visibility: a message not deleted comes back with its receive count up; ChangeMessageVisibility brings it back now',
  () =>
    withQueue(async (client, QueueUrl) => {
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'retry me' }));
      const first = await client.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 60 }));
      const handle = first.Messages?.[0]?.ReceiptHandle;
      await client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
      const second = await client.send(
        new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
      );
      assert.is(second.Messages?.[0]?.Body, 'retry me');
      assert.is(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
      const stale = await rejection(
        client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 })),
      );
      assert.is(stale.name, 'ReceiptHandleIsInvalid', 'an old receipt handle no longer acts on the message');
    }),
);

sqs('DeleteMessageBatch settles up to ten at once and reports each entry that failed', () =>
  withQueue(async (client, QueueUrl) => {
    for (let i = 0; i < 3; i++) await client.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    assert.is(received.Messages?.length, 3);
    const entries = (received.Messages ?? []).map((m, i) => ({ Id: `e${i}`, ReceiptHandle: m.ReceiptHandle }));
    const result = await client.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: [...entries, { Id: 'bad', ReceiptHandle: 'not-a-handle' }] }),
    );
    assert.equal(
      result.Successful?.map((s) => s.Id),
      ['e0', 'e1', 'e2'],
    );
    assert.equal(
      result.Failed?.map((f) => [f.Id, f.Code]),
      [['bad', 'ReceiptHandleIsInvalid']],
    );
    const empty = await rejection(client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [] })));
    assert.is(empty.name, 'EmptyBatchRequest');
  }),
);

sqs('a queue that does not exist is QueueDoesNotExist, as the client models it', () =>
  withQueue(async (client, QueueUrl) => {
    const error = await rejection(client.send(new ReceiveMessageCommand({ QueueUrl: `${QueueUrl}-missing` })));
    assert.ok(error instanceof QueueDoesNotExist, `${error.name}: ${error.message}`);
  }),
);

sqs.run();
