import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { seedScan } from '../helpers/big-outbox.js';
import { ALERTS, type BotUnderTest, botConfig, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';

const scale = suite('bot: delivery past one page of notifications (more than 20,000 waiting)');

const STAGING = 'C0STAGING';
const STAGING_ACCOUNT = '222222222222';
const CHECK_MS = 30_000;

/** A database with one scan of `keys` new keys x `perKey` findings in prod (C0ALERTS), then one staging key's. */
function bigDatabase(keys: number, perKey: number): string {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-scale-')), 'k.db');
  seedScan(db, { keys, perKey, scanId: 'scan-prod' });
  seedScan(db, { keys: 1, perKey: 1, account: STAGING_ACCOUNT, scanId: 'scan-staging', keyPrefix: 'staging' });
  return db;
}

const topLevel = (slack: FakeSlack, channel: string) =>
  slack.messages.filter((m) => m.channel === channel && m.threadTs === undefined);

async function health(bot: BotUnderTest) {
  const res = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
  return (await res.json()) as { delivery: { channels: { channel: string; reason: string }[] } };
}

scale('a paused channel with more than a page of messages waiting (20,001) holds back no other channel', async () => {
  const db = bigDatabase(20_001, 1);
  const slack = await new FakeSlack().start();
  slack.channels.set(ALERTS, { name: 'kms-alerts', member: false });
  slack.channels.set(STAGING, { name: 'staging-alerts' });
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), {
    db,
    slack,
    clock,
    channelSpacingMs: 0,
    pauseCheckMs: CHECK_MS,
  });
  try {
    await deadline(bot.system.bot.notifier.idle(), 'delivery', 60_000);
    assert.equal(
      topLevel(slack, STAGING).map((m) => /KMS key (\S+) in/.exec(m.text)?.[1]),
      ['alias/staging-0'],
      "staging's alert went out while C0ALERTS is paused",
    );
    assert.is(topLevel(slack, ALERTS).length, 0);
    assert.equal(
      (await health(bot)).delivery.channels.map((c) => [c.channel, c.reason]),
      [[ALERTS, 'not_in_channel']],
    );
    assert.equal(bot.system.record.outboxCounts(), { pending: 20_001, sending: 0, failed: 0 }, "C0ALERTS's wait");
    // Checked on the notifier's clock while still paused: the waiting page is passed by, not read again and again.
    clock.advance(CHECK_MS);
    await deadline(slack.waitForCalls('conversations.info', 1), 'a check of the channel');
    await deadline(bot.system.bot.notifier.idle(), 'the check done', 60_000);
    assert.is(slack.callsOf('chat.postMessage').filter((c) => c.params.channel === ALERTS).length, 1);

    // The bot is invited: the scan's 20,001 keys go out as the one digest they were planned as.
    slack.channels.set(ALERTS, { name: 'kms-alerts' });
    clock.advance(2 * CHECK_MS);
    await deadline(
      bot.waitForLog((l) => l.fields.event === 'delivery' && l.fields.state === 'resumed'),
      'resumed',
      60_000,
    );
    await deadline(bot.system.bot.notifier.idle(), 'delivered', 60_000);
    assert.equal(
      topLevel(slack, ALERTS).map((m) => m.text),
      ['20001 KMS keys with new findings: 20001 high'],
    );
    assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

for (const c of [
  { name: '20,001 keys with a finding each', keys: 20_001, perKey: 1 },
  { name: '6,667 keys with 3 findings each (the last key straddles the page)', keys: 6_667, perKey: 3 },
]) {
  scale(`one scan's ${c.name} in one channel: one digest counting them all, and no alert beside it`, async () => {
    const db = bigDatabase(c.keys, c.perKey);
    const slack = await new FakeSlack().start();
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'delivery', 60_000);
      const findings = c.keys * c.perKey;
      const [digest, ...others] = topLevel(slack, ALERTS);
      assert.equal(others, [], 'nothing else in the channel');
      assert.is(digest?.text, `${c.keys} KMS keys with new findings: ${findings} high`);
      const shown = JSON.stringify(digest?.blocks);
      assert.match(shown, new RegExp(`One scan found new findings on ${c.keys} keys`));
      assert.ok(shown.includes(`prod \`111111111111\`: ${c.keys} keys (${findings} high)`), 'by account');
      assert.match(shown, /The 10 worst keys/, 'it lists what fits');
      assert.equal(
        topLevel(slack, STAGING).map((m) => /KMS key (\S+) in/.exec(m.text)?.[1]),
        ['alias/staging-0'],
      );
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 }, 'every one delivered');
      const metadata = digest?.metadata as { event_payload: Record<string, unknown> };
      assert.equal(Object.keys(metadata.event_payload), ['delivery_id'], 'one delivery ID for all of them');
    } finally {
      await bot.stop();
      await slack.stop();
    }
  });
}

scale(
  'scans whose findings a page boundary splits are each told as their whole size says: a digest, or an alert per key',
  async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-scale-')), 'k.db');
    // 19,998 keys of one scan, then 3 keys x 4 findings of another (the first key's findings straddle the page), then
    // 30 keys of a third: the first page holds only 2 of the second scan's notifications, and none of the third's.
    // Each scan reads an account of its own (one reading them all would resolve what the others found); the config
    // names none of them, so their alerts go to slack.channel.
    seedScan(db, { keys: 19_998, perKey: 1, scanId: 'scan-a', keyPrefix: 'a', account: '333333333333' });
    seedScan(db, { keys: 3, perKey: 4, scanId: 'scan-b', keyPrefix: 'b', account: '444444444444' });
    seedScan(db, { keys: 30, perKey: 1, scanId: 'scan-c', keyPrefix: 'c', account: '555555555555' });
    const slack = await new FakeSlack().start();
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'delivery', 60_000);
      assert.equal(
        topLevel(slack, ALERTS).map((m) => m.text.replace(/^:\S+: /, '').replace(/ principals: .*$/, ' principals')),
        [
          '19998 KMS keys with new findings: 19998 high',
          'HIGH: KMS key alias/b-0 in 444444444444/us-east-1 lets in 4 untrusted principals',
          'HIGH: KMS key alias/b-1 in 444444444444/us-east-1 lets in 4 untrusted principals',
          'HIGH: KMS key alias/b-2 in 444444444444/us-east-1 lets in 4 untrusted principals',
          '30 KMS keys with new findings: 30 high',
        ],
      );
      assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 });
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

scale.run();
