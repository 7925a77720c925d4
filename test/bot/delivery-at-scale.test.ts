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
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

scale.run();
