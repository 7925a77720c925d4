import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FOREIGN, PROD } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { deadline } from '../helpers/clock.js';
import { cliEnv, kmsEvent, REGION, requestsTo, watch, withStandIn } from '../helpers/events-standin.js';
import { sharedWith } from '../helpers/sandbox.js';

const independent = suite(
  'events: the consumer reads an SQS the project did not write (AWS JSON protocol, AWS_ENDPOINT_URL_SQS)',
);

const JSON_1_0 = 'application/x-amz-json-1.0';

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
