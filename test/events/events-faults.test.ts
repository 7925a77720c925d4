import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqsEventQueue } from '../../src/adapters/aws/sqs-queue.js';
import { openRecordReader } from '../../src/adapters/store/worker/worker-record.js';
import { CONSISTENCY_WINDOW_MS } from '../../src/usecases/events/event-consumer.js';
import { FOREIGN, PROD } from '../helpers/bot-world.js';
import { deadline } from '../helpers/clock.js';
import { kmsEvent, REGION, requestsTo, watch, withStandIn } from '../helpers/events-standin.js';
import type { IndependentSqs } from '../helpers/independent-sqs.js';
import { sharedWith } from '../helpers/sandbox.js';

const faults = suite('events: the consumer through SQS faults, long rescans, SIGTERM and odd events');

const arnOf = (keyId: string) => `arn:aws:kms:${REGION}:${PROD}:key/${keyId}`;
/** A PutKeyPolicy whose record names no key (no resources, no keyId): its account-region is scanned instead. */
const keylessEvent = () => kmsEvent('PutKeyPolicy', null, new Date(), { policyName: 'default' }, null);
/** A change with nothing to expect of the read (EnableKey): recorded as soon as the key is read. */
const enabled = (keyId: string, at: Date | string = new Date()) =>
  kmsEvent('EnableKey', arnOf(keyId), at, { keyId }, null);

/** The consumer's receives: watch's startup probe, which takes a message with VisibilityTimeout 0, left out. */
const consumerReceives = (sqs: IndependentSqs) =>
  requestsTo(sqs, 'ReceiveMessage').filter((r) => r.body.VisibilityTimeout !== 0);
/** The receipt handles the consumer was given for a message, in order: one per receive. */
const handlesOf = (sqs: IndependentSqs, messageId: string) =>
  consumerReceives(sqs).flatMap((r) =>
    ((r.answer?.Messages ?? []) as { MessageId: string; ReceiptHandle: string }[])
      .filter((m) => m.MessageId === messageId)
      .map((m) => m.ReceiptHandle),
  );
/** The ChangeMessageVisibility calls made with this receipt handle. */
const visibilityChanges = (sqs: IndependentSqs, handle: string | undefined) =>
  requestsTo(sqs, 'ChangeMessageVisibility').filter((r) => r.body.ReceiptHandle === handle);
const emptied = (sqs: IndependentSqs, queueUrl: string) => () =>
  sqs.visible(queueUrl) === 0 && sqs.inFlight(queueUrl) === 0;

faults('a rescan whose delete fails on every attempt is a warning, and watch goes on to record the next change', () =>
  withStandIn(async ({ sandbox, cleanKey: keyId, sqs, queueUrl, dir, config }) => {
    // A rejection nobody handles would end the process (watch's, and this one): it is counted here instead.
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    sqs.failNext('DeleteMessageBatch', 3);
    sqs.send(queueUrl, keylessEvent());
    const watching = watch(['--config', config(), '--db', join(dir, 'kms-sentinel.db')], { logLevel: 'warn' });
    try {
      const rescan = await watching.recheck((r) => r.outcome === 'rescan', 'the rescan the keyless event asks for');
      assert.equal([rescan.accountId, rescan.region, rescan.events], [PROD, REGION, ['PutKeyPolicy']]);
      const warning = await watching.logged(
        (l) => l.level === 'warn' && /rescan/.test(l.msg),
        "the warning that the rescan's message could not be deleted",
      );
      assert.match(String(warning.error), /InternalError/);
      const deletes = requestsTo(sqs, 'DeleteMessageBatch');
      assert.is(deletes.length, 3, 'the SDK tried three times');
      assert.ok(deletes.every((d) => d.answer?.__type === 'com.amazonaws.sqs#InternalError'));
      // Still running: a change made after all that is read and recorded.
      const policy = sharedWith(PROD, FOREIGN);
      sandbox.setKeyPolicy(PROD, REGION, keyId, policy);
      sqs.send(
        queueUrl,
        kmsEvent('PutKeyPolicy', arnOf(keyId), new Date(), { keyId, policyName: 'default', policy }, null),
      );
      const later = await watching.recheck((r) => r.keyArn === arnOf(keyId), 'the re-check of the later change');
      assert.is(later.outcome, 'recorded');
      assert.is(later.newFindings, 1);
    } finally {
      assert.is(await watching.stop(), 0);
      process.off('unhandledRejection', onRejection);
    }
    assert.equal(rejections.map(String), [], 'no unhandled rejection');
  }),
);

faults('a rescan keeps its message out of sight while it runs and deletes it once recorded: one rescan, not two', () =>
  withStandIn(async ({ sandbox, cleanKey: keyId, sqs, clock, queueUrl, dir, config }) => {
    const db = join(dir, 'kms-sentinel.db');
    const listing = sandbox.holdNext('ListKeys');
    const messageId = sqs.send(queueUrl, keylessEvent());
    const watching = watch(['--config', config(), '--db', db]);
    try {
      await watching.recheck((r) => r.outcome === 'rescan', 'the rescan starting');
      await deadline(listing.arrived, 'the rescan listing the keys of prod (held)');
      const [handle] = handlesOf(sqs, messageId);
      await deadline(
        sqs.until(() => visibilityChanges(sqs, handle).length > 0),
        "the rescan's message held out of sight",
      );
      const [held] = visibilityChanges(sqs, handle);
      assert.is(held?.answer?.__type, undefined, JSON.stringify(held?.answer));
      const seconds = Number(held?.body.VisibilityTimeout);
      assert.ok(seconds >= 300, `held for ${seconds} s, not for the queue's 30 s`);
      // The scan outlasts the queue's visibility timeout many times over: its message must not come back meanwhile.
      clock.advance(Math.min(seconds - 1, 10 * 60) * 1000);
      sqs.tick();
      sqs.send(queueUrl, enabled(keyId));
      await watching.recheck((r) => r.keyArn === arnOf(keyId), 'the change sent while the scan runs');
      assert.is(handlesOf(sqs, messageId).length, 1, "the rescan's message was taken once");
      listing.release();
      await deadline(sqs.until(emptied(sqs, queueUrl)), "the rescan's message deleted once the scan is recorded");
      const deleted = requestsTo(sqs, 'DeleteMessageBatch').find((r) => JSON.stringify(r.body).includes(`${handle}`));
      assert.equal(deleted?.answer?.Failed, [], 'deleted with the handle the rescan was given');
    } finally {
      listing.release();
      assert.is(await watching.stop(), 0);
    }
    assert.is(watching.rechecks.filter((r) => r.outcome === 'rescan').length, 1);
    const reader = openRecordReader(db);
    try {
      const scans = reader.scans(10).filter((s) => s.startedBy === 'event');
      assert.equal(
        scans.map((s) => s.complete),
        [true],
        'one scan for the event',
      );
    } finally {
      reader.close();
    }
  }),
);

faults('SIGTERM during a batch: the cleanup resolves once that batch is settled, its message deleted', () =>
  withStandIn(async ({ sandbox, cleanKey: keyId, sqs, queueUrl, dir, config }) => {
    const watching = watch(['--config', config(), '--db', join(dir, 'kms-sentinel.db')]);
    const reading = sandbox.holdNext('GetKeyPolicy');
    try {
      await deadline(
        sqs.until(() => sqs.waiting(queueUrl) > 0),
        'the consumer long-polling',
      );
      const policy = sharedWith(PROD, FOREIGN);
      sandbox.setKeyPolicy(PROD, REGION, keyId, policy);
      sqs.send(
        queueUrl,
        kmsEvent('PutKeyPolicy', arnOf(keyId), new Date(), { keyId, policyName: 'default', policy }, null),
      );
      await deadline(reading.arrived, 'the changed key being read (held)');
      let atCleanup: { visible: number; inFlight: number; printed: string[] } | undefined;
      const cleanup = watching.interrupt().then(() => {
        atCleanup = {
          visible: sqs.visible(queueUrl),
          inFlight: sqs.inFlight(queueUrl),
          printed: watching.rechecks.map((r) => (r.detail === undefined ? r.outcome : `${r.outcome}: ${r.detail}`)),
        };
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.is(atCleanup, undefined, 'the cleanup waits for the batch under way');
      reading.release();
      await deadline(cleanup, "watch's cleanup");
      assert.equal(atCleanup, { visible: 0, inFlight: 0, printed: ['recorded'] }, 'settled when the cleanup resolved');
      assert.is(await deadline(watching.exited, 'watch returning'), 0);
    } finally {
      reading.release();
      assert.is(await watching.stop(), 0);
    }
  }),
);

faults(
  'the queue adapter gives up a ReceiveMessage that never answers at its request timeout; the retry takes the event',
  () =>
    withStandIn(async ({ cleanKey: keyId, sqs, queueUrl }) => {
      // watch's queue has the default timeout (35 s, above a 20 s long poll): the adapter is given a short one here.
      const queue = new SqsEventQueue(queueUrl, REGION, { requestTimeoutMs: 1_000 });
      try {
        sqs.failNext('ReceiveMessage', 1, 'hang');
        const taking = queue.receive(10, 0, new AbortController().signal);
        const body = enabled(keyId);
        sqs.send(queueUrl, body);
        const taken = await deadline(taking, 'the receive after the one that hung');
        assert.is(sqs.hung.length, 1, 'the first request hung');
        assert.equal(
          taken.map((m) => m.body),
          [body],
        );
      } finally {
        queue.close();
      }
    }),
);

faults('an event dated 9999-12-31 or "zzz" never makes the last event of its account-region later than now', () =>
  withStandIn(async ({ cleanKey: keyId, sqs, queueUrl, dir, config }) => {
    const db = join(dir, 'kms-sentinel.db');
    const watching = watch(['--config', config(), '--db', db]);
    try {
      for (const forged of ['9999-12-31T23:59:59Z', 'zzz']) {
        const before = watching.rechecks.length;
        sqs.send(queueUrl, enabled(keyId, forged));
        await watching.recheck(
          (r) => watching.rechecks.indexOf(r) >= before && r.keyArn === arnOf(keyId),
          `the event dated ${forged}`,
        );
        const reader = openRecordReader(db);
        try {
          const source = reader.eventSources().find((s) => s.accountId === PROD && s.region === REGION);
          const at = Date.parse(String(source?.lastEventAt));
          assert.ok(at <= Date.now(), `after ${forged}: the last event from prod at ${source?.lastEventAt}`);
        } finally {
          reader.close();
        }
      }
    } finally {
      assert.is(await watching.stop(), 0);
    }
  }),
);

faults(
  'a policy event overtaken by a later put: what KMS shows is recorded at once, and the event settles in time',
  () =>
    withStandIn(async ({ sandbox, cleanKey: keyId, sqs, clock, queueUrl, dir, config }) => {
      const db = join(dir, 'kms-sentinel.db');
      const keyArn = arnOf(keyId);
      const put = (policy: string) =>
        kmsEvent('PutKeyPolicy', keyArn, clock.now(), { keyId, policyName: 'default', policy }, null);
      // P1, then P2, put before P1's event is read: KMS shows P2, P1's event expects P1.
      const p1 = sharedWith(PROD, `arn:aws:iam::${PROD}:role/app`, 'First');
      const p2 = sharedWith(PROD, FOREIGN, 'Second');
      sandbox.setKeyPolicy(PROD, REGION, keyId, p1);
      sandbox.setKeyPolicy(PROD, REGION, keyId, p2);
      const first = sqs.send(queueUrl, put(p1));
      const watching = watch(['--config', config(), '--db', db]);
      const reads = () => watching.rechecks.filter((r) => r.keyArn === keyArn);
      try {
        const firstRead = await watching.recheck((r) => r.keyArn === keyArn, "the first read for P1's event");
        assert.is(firstRead.outcome, 'read-again-later');
        assert.is(firstRead.newFindings, 1, 'the exposure P2 opened is recorded at once');
        const reader = openRecordReader(db);
        try {
          const found = reader
            .findings({ status: 'open', accountId: PROD }, new Date())
            .filter((f) => f.keyId === keyId);
          assert.match(JSON.stringify(found), FOREIGN);
        } finally {
          reader.close();
        }
        // P2's own event arrives and is recorded; P1's comes back each time its backoff ends on the stand-in's clock.
        // P2 was put after P1 (a second later): its event says so.
        clock.advance(1000);
        sqs.send(queueUrl, put(p2));
        const second = await watching.recheck((r) => reads().indexOf(r) === 1, "the read for P2's event");
        assert.equal([second.outcome, second.newFindings, second.stillOpen], ['recorded', 0, 1]);
        let waited = 0;
        while (!emptied(sqs, queueUrl)()) {
          const handle = handlesOf(sqs, first).at(-1);
          await deadline(
            sqs.until(() => visibilityChanges(sqs, handle).length > 0 || emptied(sqs, queueUrl)()),
            "P1's event handed back or deleted",
          );
          const seconds = Number(visibilityChanges(sqs, handle)[0]?.body.VisibilityTimeout ?? 0);
          if (emptied(sqs, queueUrl)() || waited + seconds * 1000 > CONSISTENCY_WINDOW_MS) break;
          waited += seconds * 1000;
          const count = reads().length;
          clock.advance(seconds * 1000);
          sqs.tick();
          await watching.recheck((r) => reads().indexOf(r) === count, "P1's event read again");
        }
        const outcomes = reads().map((r) => r.outcome);
        assert.ok(
          emptied(sqs, queueUrl)(),
          `P1's event settled within ${CONSISTENCY_WINDOW_MS / 60_000} min: ${JSON.stringify(outcomes)}`,
        );
        assert.ok(handlesOf(sqs, first).length < 7, `P1's event read ${handlesOf(sqs, first).length} times`);
      } finally {
        assert.is(await watching.stop(), 0);
      }
    }),
);

faults.run();
