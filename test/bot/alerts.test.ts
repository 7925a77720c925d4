import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ALERTS, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PARTNER, PROD, STAGING } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack, type PostedMessage } from '../helpers/fake-slack.js';

const alerts = suite('bot: alerts in the right channel, once, paced');

const blockText = (m: PostedMessage) => JSON.stringify(m.blocks).replace(/\\n/g, '\n').replace(/\\"/g, '"');
const actionIds = (m: PostedMessage) =>
  (m.blocks as { type: string; elements?: { action_id?: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements?.map((e) => e.action_id) ?? []);

async function scanned(configExtra = '', spacing = 0) {
  const bot = await startBot(botWorld(), botConfig(configExtra), { channelSpacingMs: spacing });
  const scan = await bot.command('scan', MEMBER);
  await bot.slack.waitForResponse(scan.responseName);
  await bot.system.bot.notifier.idle();
  return bot;
}

alerts(
  "each key with new findings gets one alert in its account's channel, paced at one a second per channel",
  async () => {
    // A minute ahead of the system clock the scan records by: what it records is due at once on the bot's clock.
    const clock = new ManualClock(Date.now() + 60_000);
    const slack = await new FakeSlack().start();
    slack.now = () => clock.now().getTime();
    const bot = await startBot(botWorld(), botConfig(), { slack, clock, channelSpacingMs: 1000 });
    try {
      const scan = await bot.command('scan', MEMBER);
      await bot.slack.waitForResponse(scan.responseName);
      const top = () => bot.slack.messages.filter((m) => m.threadTs === undefined);
      const byChannel = (channel: string) => top().filter((m) => m.channel === channel);
      // Each channel's first alert goes at once; its second waits the channel's second out on the bot's clock.
      await deadline(clock.sleeping(1000, 2), 'the second alert of each channel waiting its turn');
      assert.is(byChannel(ALERTS).length, 1, 'prod: one alert before the second has passed');
      assert.is(byChannel('C0STAGING').length, 1, 'staging: one alert before the second has passed');
      clock.advance(1000);
      await deadline(bot.system.bot.notifier.idle(), 'the second alert of each channel');
      assert.is(byChannel(ALERTS).length, 2, 'prod: the shared key and the public key');
      assert.is(byChannel('C0STAGING').length, 2, 'staging has a channel of its own: the CI key and the locked key');
      for (const channel of [ALERTS, 'C0STAGING']) {
        const [first, second] = bot.slack.callsOf('chat.postMessage').filter((c) => c.params.channel === channel);
        const apart = (second?.at ?? 0) - (first?.at ?? 0);
        assert.ok(apart >= 1000, `${channel}: ${apart} ms apart on the bot's clock`);
      }
      // A second scan finds the same exposures: nothing is alerted twice.
      const again = await bot.command('scan', MEMBER);
      await bot.slack.waitForResponse(again.responseName);
      await deadline(bot.system.bot.notifier.idle(), 'the notifier after the second scan');
      assert.is(top().length, 4);
      assert.is(bot.system.record.outboxCounts().pending, 0);
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

alerts('an alert names the key, its account and region, and every untrusted principal in code', async () => {
  const bot = await scanned();
  try {
    const ci = bot.slack.messages.find((m) => m.text.includes('alias/ci')) as PostedMessage;
    const text = blockText(ci);
    assert.match(text, new RegExp(`\`arn:aws:kms:us-east-1:${STAGING}:key/${KEYS.staging}\``));
    assert.match(text, /staging `222222222222`/);
    assert.match(text, /`us-east-1`/);
    assert.match(text, /`Enabled`/);
    assert.match(
      text,
      new RegExp(`\`${FOREIGN}\` via statement \`CI \\*accounts\\*\``),
      'a Sid with markup stays in code',
    );
    assert.match(text, /`kms:Decrypt`, `kms:Encrypt`/);
    assert.match(ci.text, /HIGH: KMS key alias\/ci in 222222222222\/us-east-1 lets in 2 untrusted principals/);
    assert.equal(actionIds(ci), ['kms_acknowledge', 'kms_trust_account_menu'], 'two accounts: a menu');
    const menu = JSON.stringify(ci.blocks);
    assert.match(menu, new RegExp(`Trust ${FOREIGN}`));
    assert.match(menu, new RegExp(`Trust ${PARTNER}`));
    assert.match(menu, /Trust account the account for every key\?|for every key\?/);

    const shared = bot.slack.messages.find((m) => m.text.includes('alias/payments')) as PostedMessage;
    assert.equal(actionIds(shared), ['kms_acknowledge', 'kms_trust_account'], 'one account: a button');
    assert.match(JSON.stringify(shared.blocks), new RegExp(`Trust account ${FOREIGN} for every key\\?`));

    const open = bot.slack.messages.find((m) => m.text.includes('alias/reports')) as PostedMessage;
    assert.match(blockText(open), /`\*` \(anyone\)/, 'the public principal is in code, never bare markup');
    assert.equal(actionIds(open), ['kms_acknowledge'], 'nobody to trust for a public key');
  } finally {
    await bot.stop();
  }
});

alerts('a key that shuts the scanner out is alerted in its own words, with the statement to add', async () => {
  const bot = await scanned();
  try {
    const locked = bot.slack.messages.find((m) => blockText(m).includes(KEYS.locked)) as PostedMessage;
    const text = blockText(locked);
    assert.match(text, /a KMS key the scanner cannot read/);
    assert.match(text, /shuts the scanner out, so nobody can tell what it allows/);
    assert.match(text, new RegExp(`"AWS": "arn:aws:iam::${STAGING}:role/KmsSentinelAudit"`));
    assert.match(text, /"kms:GetKeyPolicy"/);
  } finally {
    await bot.stop();
  }
});

alerts('above the digest threshold, one digest per channel instead of an alert per key', async () => {
  const bot = await scanned('  digestThreshold: 1');
  try {
    const top = bot.slack.messages.filter((m) => m.threadTs === undefined);
    assert.equal(top.map((m) => m.channel).sort(), [ALERTS, 'C0STAGING'], 'one message per channel');
    const digest = top.find((m) => m.channel === ALERTS) as PostedMessage;
    assert.match(digest.text, /2 KMS keys with new findings: 1 critical, 1 high/);
    const text = blockText(digest);
    assert.match(text, new RegExp(`prod \`${PROD}\`: 2 keys \\(1 critical, 1 high\\)`));
    assert.match(text, /The 2 worst keys/);
    assert.match(text, /`\/kms findings open`/);
  } finally {
    await bot.stop();
  }
});

alerts.run();
