import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { queueRegion, SqsEventQueue } from '../../src/adapters/aws/sqs-queue.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { deadline } from '../helpers/clock.js';
import { testWorld } from '../sandbox/sandbox-world.js';

const queue = suite('events queue: SQS through the SDK, as the consumer uses it');

async function withQueue(test: (q: SqsEventQueue, url: string, sandbox: Sandbox) => Promise<void>) {
  const sandbox = await startSandbox(testWorld());
  const restore = pointSdkAt(sandbox.env);
  const url = sandbox.createQueue('kms-sentinel-events');
  const q = new SqsEventQueue(url, 'eu-west-1');
  try {
    await test(q, url, sandbox);
  } finally {
    q.close();
    restore();
    await sandbox.stop();
  }
}

queue("the queue's region comes from its URL, else the home region", () => {
  assert.is(queueRegion('https://sqs.eu-central-1.amazonaws.com/111122223333/events'), 'eu-central-1');
  assert.is(queueRegion('https://sqs-fips.us-gov-west-1.amazonaws.com/111122223333/events'), 'us-gov-west-1');
  assert.is(queueRegion('https://ap-south-1.queue.amazonaws.com/111122223333/events'), 'ap-south-1');
  assert.is(queueRegion('http://127.0.0.1:4566/000000000000/events'), undefined);
});

queue('messages are taken with their receive count, and deleted in batches of ten', () =>
  withQueue(async (q, url, sandbox) => {
    for (let i = 0; i < 12; i++) sandbox.sendMessage(url, `m${i}`);
    const taken = [];
    while (taken.length < 12) taken.push(...(await q.receive(10, 0, new AbortController().signal)));
    assert.equal(
      taken.map((m) => m.receiveCount),
      Array(12).fill(1),
    );
    const failed = await q.delete([...taken.map((m) => m.handle), 'no-such-handle']);
    assert.equal(failed, ['no-such-handle']);
    assert.equal(await q.depth(), { waiting: 0, inFlight: 0, deadLetter: null });
  }),
);

queue('a message asked back comes back at once, its receive count up', () =>
  withQueue(async (q, url, sandbox) => {
    sandbox.sendMessage(url, 'again');
    const [first] = await q.receive(1, 0, new AbortController().signal);
    await q.retryAfter(first?.handle ?? '', 0);
    const [second] = await q.receive(1, 0, new AbortController().signal);
    assert.equal([second?.body, second?.receiveCount], ['again', 2]);
  }),
);

queue('a long poll ends when its signal aborts (the consumer stops), with nothing taken', () =>
  withQueue(async (q) => {
    const stop = new AbortController();
    const polling = q.receive(10, 20, stop.signal);
    stop.abort();
    assert.equal(await deadline(polling, 'the aborted long poll', 5000), []);
  }),
);

queue(
  'a message received as often as the redrive policy allows moves to the dead-letter queue, which depth counts',
  async () => {
    const sandbox = await startSandbox(testWorld());
    const restore = pointSdkAt(sandbox.env);
    const dlq = sandbox.createQueue('kms-sentinel-dlq');
    const url = sandbox.createQueue('kms-sentinel-events-redriven', undefined, {
      visibilitySeconds: 0,
      deadLetterQueueUrl: dlq,
      maxReceiveCount: 2,
    });
    const q = new SqsEventQueue(url, 'eu-west-1');
    try {
      sandbox.sendMessage(url, '{"poison":true}');
      const signal = AbortSignal.timeout(10_000);
      assert.is((await q.receive(10, 0, signal))[0]?.receiveCount, 1);
      assert.is((await q.receive(10, 0, signal))[0]?.receiveCount, 2);
      assert.equal(await q.receive(10, 0, signal), []);
      assert.equal(await q.depth(), { waiting: 0, inFlight: 0, deadLetter: { queueUrl: dlq, waiting: 1 } });
    } finally {
      q.close();
      restore();
      await sandbox.stop();
    }
  },
);

queue.run();
