import { composeWatch, type DemoAws } from '../../compose.js';
import type { Config } from '../../config/schema.js';
import type { Recheck } from '../../usecases/events/event-consumer.js';
import { SILENT_LOG } from '../../usecases/log-port.js';
import type { RecordPort } from '../../usecases/record-port.js';
import type { Io } from '../io.js';

const STRANGER = '999988887777';
/** The demo waits this long at most for the event's re-check (it takes about coalesceSeconds). */
const WAIT_MS = 30_000;

/**
 * The near-real-time part of the demo: with the events consumer running (as `serve` and `watch` run it), a person
 * opens a key that had no finding to an account nobody trusts; the change's CloudTrail event reaches the queue, the
 * key is read again, and its new finding is recorded seconds later, without a scan.
 */
export async function demoEvents(io: Io, sandbox: DemoAws, config: Config, record: RecordPort): Promise<void> {
  const clean = cleanKey(record);
  if (clean === undefined) return;
  const events = { queueUrl: sandbox.eventsQueue(), coalesceSeconds: 3, maxKeysPerBurst: 200 };
  let heard: (recheck: Recheck) => void = () => undefined;
  const rechecked = new Promise<Recheck>((resolve) => {
    heard = (r) => {
      if (r.keyArn === clean.keyArn && (r.outcome === 'recorded' || r.outcome === 'failed')) resolve(r);
    };
  });
  const restore = sandbox.pointHere();
  const watch = await composeWatch({ ...config, events }, sandbox.env, record, SILENT_LOG, (r) => heard(r));
  try {
    await watch.check();
    watch.start();
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Owner',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${clean.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'Quick fix for a vendor',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${STRANGER}:root` },
          Action: 'kms:Decrypt',
          Resource: '*',
        },
      ],
    });
    io.stdout(
      `\nNear-real-time: with events on (events.queueUrl; "serve" and "watch" read it), a person now opens ${clean.keyArn} to account ${STRANGER}...\n`,
    );
    const started = Date.now();
    sandbox.putKeyPolicy(clean.accountId, clean.region, clean.keyId, policy);
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), WAIT_MS).unref());
    const recheck = await Promise.race([rechecked, timeout]);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (recheck === undefined) io.stdout(`  no re-check within ${WAIT_MS / 1000} s\n`);
    else {
      io.stdout(
        `  ${seconds} s later the PutKeyPolicy event had the key read again: ${recheck.newFindings} new finding(s) recorded, no scan needed (the bot would post the alert now).\n`,
      );
    }
  } finally {
    await watch.stop();
    restore();
  }
}

function cleanKey(record: RecordPort) {
  const withFindings = new Set(
    record.findings({ status: 'all', accountId: undefined }, new Date()).map((f) => f.keyArn),
  );
  for (const key of record.storedKeys()) if (!withFindings.has(key.keyArn)) return key;
  return undefined;
}
