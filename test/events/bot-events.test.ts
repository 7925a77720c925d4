import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import type { World } from '../../src/sandbox/index.js';
import { ALERTS, type BotUnderTest, botConfig, type LogEntry, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PROD } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { sharedWith } from '../helpers/sandbox.js';

const events = suite('bot: a KMS change event has its key read again and alerted within seconds');

const rechecks = (bot: BotUnderTest, keyId: string) =>
  bot.logs.filter((l) => l.fields.event === 'recheck' && String(l.fields.keyArn).endsWith(keyId));
const batchHandled = (l: LogEntry) => l.message === 'a batch of events was handled';
const recorded = (keyId: string) => (l: LogEntry) =>
  l.fields.event === 'recheck' && String(l.fields.keyArn).endsWith(keyId) && l.fields.outcome === 'recorded';

let world: World;

async function scannedWithEvents(options: Parameters<typeof startBot>[2] = {}) {
  world = botWorld();
  const bot = await startBot(world, botConfig(), { events: {}, ...options });
  const scan = await bot.command('scan', MEMBER);
  await bot.slack.waitForResponse(scan.responseName);
  await bot.system.bot.notifier.idle();
  return bot;
}

/** A clean key of prod, as the scan saw it (no finding). */
function cleanKey(): string {
  const keys = world.accounts[0]?.regions[0]?.keys ?? [];
  const keyId = keys.map((k) => k.keyId).find((id) => !Object.values(KEYS).includes(id));
  if (keyId === undefined) throw new Error('no clean key in the world');
  return keyId;
}

events('a policy opened to a foreign account after the scan is alerted, from the event alone', async () => {
  const bot = await scannedWithEvents();
  try {
    const before = bot.slack.messages.length;
    const keyId = cleanKey();
    bot.sandbox.setKeyPolicy(PROD, 'us-east-1', keyId, sharedWith(PROD, FOREIGN));
    const line = await bot.waitForLog(recorded(keyId));
    assert.is(line.fields.newFindings, 1);
    assert.equal(line.fields.events, ['PutKeyPolicy']);
    await deadline(
      (async () => {
        while (!bot.slack.messages.slice(before).some((m) => JSON.stringify(m.blocks).includes(keyId))) {
          await bot.system.bot.notifier.idle();
          await new Promise((r) => setImmediate(r));
        }
      })(),
      'the alert for the key the event named',
    );
    const alert = bot.slack.messages.slice(before).find((m) => JSON.stringify(m.blocks).includes(keyId));
    assert.is(alert?.channel, ALERTS);
    assert.ok(JSON.stringify(alert?.blocks).includes(FOREIGN), 'the alert names the foreign account');
    const finding = bot.system.record
      .findings({ status: 'open', accountId: PROD }, new Date())
      .find((f) => f.keyId === keyId);
    assert.ok(finding, 'the finding is in the record');
    assert.is(bot.sandbox.queueDepth(bot.system.events?.queueUrl ?? '').visible, 0, 'the message was deleted');
  } finally {
    await bot.stop();
  }
});

events('a burst of 30 changes to one key within the coalescing window is one read and one alert', async () => {
  const clock = new ManualClock();
  const bot = await scannedWithEvents({ events: { coalesceSeconds: 3, clock } });
  try {
    const before = bot.slack.messages.length;
    const keyId = cleanKey();
    for (let i = 0; i < 30; i++) {
      const foreign = i === 29 ? FOREIGN : PROD;
      bot.sandbox.setKeyPolicy(PROD, 'us-east-1', keyId, sharedWith(PROD, foreign));
    }
    await deadline(clock.sleeping(3000), 'the consumer waiting for the burst to end');
    clock.advance(3000);
    await bot.waitForLog(recorded(keyId));
    await bot.system.bot.notifier.idle();
    assert.is(rechecks(bot, keyId).length, 1, 'one read for 30 events');
    const alerts = bot.slack.messages.slice(before).filter((m) => m.threadTs === undefined);
    assert.ok(alerts.length <= 1, `at most one alert (${alerts.length})`);
  } finally {
    await bot.stop();
  }
});

events('a message that is not a KMS event is deleted and logged; an out-of-scope key is dropped', async () => {
  const bot = await scannedWithEvents();
  try {
    const queueUrl = bot.system.events?.queueUrl ?? '';
    bot.sandbox.sendMessage(queueUrl, 'not json at all');
    await bot.waitForLog((l) => l.level === 'warn' && /not a KMS event/.test(l.message));
    bot.sandbox.sendMessage(
      queueUrl,
      JSON.stringify({
        source: 'aws.kms',
        'detail-type': 'AWS API Call via CloudTrail',
        account: '333333333333',
        region: 'us-east-1',
        detail: {
          eventSource: 'kms.amazonaws.com',
          eventName: 'PutKeyPolicy',
          awsRegion: 'us-east-1',
          recipientAccountId: '333333333333',
          resources: [{ ARN: 'arn:aws:kms:us-east-1:333333333333:key/11111111-2222-4333-8444-555555555555' }],
        },
      }),
    );
    await bot.waitForLog((l) => /nothing to read/.test(l.message) && /333333333333/.test(String(l.fields.why)));
    await bot.waitForLog(
      (l) =>
        batchHandled(l) &&
        l.fields.dropped === 1 &&
        bot.logs.indexOf(l) > bot.logs.findIndex((x) => /nothing to read/.test(x.message)),
    );
    assert.equal(bot.sandbox.queueDepth(queueUrl), { visible: 0, inFlight: 0 });
  } finally {
    await bot.stop();
  }
});

events('a grant the event names but ListGrants does not show yet is read again later, then recorded', async () => {
  const clock = new ManualClock();
  const bot = await scannedWithEvents({ sandboxClock: clock, events: { clock } });
  try {
    const keyId = cleanKey();
    const arn = `arn:aws:kms:us-east-1:${PROD}:key/${keyId}`;
    const grantId = 'a'.repeat(64);
    // The CreateGrant's event arrives before KMS lists the grant (eventual consistency).
    bot.sandbox.sendMessage(
      bot.system.events?.queueUrl ?? '',
      JSON.stringify({
        source: 'aws.kms',
        'detail-type': 'AWS API Call via CloudTrail',
        account: PROD,
        region: 'us-east-1',
        detail: {
          eventSource: 'kms.amazonaws.com',
          eventName: 'CreateGrant',
          eventID: 'e1',
          eventTime: clock.now().toISOString(),
          awsRegion: 'us-east-1',
          recipientAccountId: PROD,
          userIdentity: { arn: `arn:aws:iam::${PROD}:user/dev` },
          requestParameters: { keyId: arn, granteePrincipal: `arn:aws:iam::${FOREIGN}:root`, operations: ['Decrypt'] },
          responseElements: { grantId, keyId: arn },
          resources: [{ ARN: arn }],
        },
      }),
    );
    const later = await bot.waitForLog(
      (l) => l.fields.event === 'recheck' && l.fields.outcome === 'read-again-later' && String(l.fields.keyArn) === arn,
    );
    // The message is handed back (its visibility set from now) once the batch is settled.
    await bot.waitForLog((l) => batchHandled(l) && bot.logs.indexOf(l) > bot.logs.indexOf(later));
    assert.is(rechecks(bot, keyId).filter((l) => l.fields.outcome === 'recorded').length, 0, 'nothing recorded yet');
    // KMS catches up; the message comes back after its backoff.
    bot.sandbox.forwardEvents(bot.sandbox.createQueue('elsewhere'));
    bot.sandbox.addGrant(PROD, 'us-east-1', keyId, {
      grantId,
      granteePrincipal: `arn:aws:iam::${FOREIGN}:root`,
      operations: ['Decrypt'],
    });
    clock.advance(5_000);
    const line = await bot.waitForLog(recorded(keyId));
    assert.is(line.fields.newFindings, 1);
  } finally {
    await bot.stop();
  }
});

events('start-up refuses a queue it cannot read, in one line', async () => {
  const error = await startBot(
    botWorld(),
    `${botConfig()}\nevents: { queueUrl: "http://127.0.0.1:9/111111111111/missing" }\n`,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(error, SentinelError);
  assert.is((error as SentinelError).code, 'environment');
  assert.match((error as Error).message, /events queue .* cannot be read/);
  assert.not.match((error as Error).message, /\n/);
});

events.run();
