import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { ALERTS, type BotUnderTest, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack, type PostedMessage } from '../helpers/fake-slack.js';
import { keyWith, recordScanned, scanOf } from '../helpers/scan-results.js';

const moved = suite("bot: a config change never carries one account's findings to a channel that is not its own");

const PROD = '111111111111';
const STAGING = '222222222222';
const STAGING_CHANNEL = 'C0STAGING';

/** Prod and staging; staging's alerts go to `stagingChannel` when given, else to slack.channel with prod's. */
const config = (stagingChannel?: string) => `
accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${STAGING}", name: staging${stagingChannel === undefined ? '' : `, channel: ${stagingChannel}`} }
regions: [us-east-1]
schedule: "0 0 1 1 *"
slack:
  channel: ${ALERTS}
  admins: [U0ADMIN]
`;

/** One scan's new findings: 6 keys in prod and 6 in staging, one digest for C0ALERTS while both go there. */
function database(): string {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-moved-')), 'k.db');
  const store = new SqliteStore(db);
  try {
    const keys = [
      ...Array.from({ length: 6 }, (_, k) => keyWith(`stg-${k}`, ['399999999999'], 'us-east-1', STAGING)),
      ...Array.from({ length: 6 }, (_, k) => keyWith(`prod-${k}`, ['399999999998'], 'us-east-1', PROD)),
    ];
    const at = new Date(Date.now() - 60_000);
    recordScanned(store, scanOf(keys, { at }), 'test', at);
  } finally {
    store.close();
  }
  return db;
}

const topLevel = (slack: FakeSlack, channel: string) =>
  slack.messages.filter((m) => m.channel === channel && m.threadTs === undefined);
const mentions = (m: PostedMessage, account: string) => `${m.text}${JSON.stringify(m.blocks)}`.includes(account);

/** Neither team sees the other's findings in its channel; every notification is delivered. */
function assertEachInItsOwn(bot: BotUnderTest, slack: FakeSlack) {
  const staging = topLevel(slack, STAGING_CHANNEL);
  const alerts = topLevel(slack, ALERTS);
  assert.ok(
    staging.every((m) => !mentions(m, PROD)),
    `prod's findings are never posted in staging's channel: ${staging.map((m) => m.text).join(' | ')}`,
  );
  assert.equal(bot.system.record.outboxCounts(), { pending: 0, sending: 0, failed: 0 }, 'every one delivered');
  return { staging, alerts };
}

/** The keys of alerts, each as often as alerted. */
const alertedKeys = (messages: readonly PostedMessage[]) =>
  messages.map((m) => /KMS key (\S+) in/.exec(m.text)?.[1] ?? m.text).sort();

moved(
  "a digest held while its channel was paused, after staging gets a channel of its own: each account's findings go to its own channel, planned afresh",
  async () => {
    const db = database();
    const slack = await new FakeSlack().start();
    slack.channels.set(ALERTS, { name: 'kms-alerts', member: false });
    slack.channels.set(STAGING_CHANNEL, { name: 'staging-alerts' });
    try {
      const first = await startBot(botWorld(), config(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
      try {
        await deadline(first.system.bot.notifier.idle(), 'the digest held for the paused channel');
        assert.is(slack.callsOf('chat.postMessage').length, 1, 'tried once: refused, not_in_channel');
      } finally {
        await first.stop();
      }
      // The bot is invited to C0ALERTS, and the config now gives staging its own channel.
      slack.channels.set(ALERTS, { name: 'kms-alerts' });
      const bot = await startBot(botWorld(), config(STAGING_CHANNEL), {
        db,
        slack,
        clock: new ManualClock(),
        channelSpacingMs: 0,
      });
      try {
        await deadline(bot.system.bot.notifier.idle(), 'delivered');
        const { staging, alerts } = assertEachInItsOwn(bot, slack);
        assert.ok(
          alerts.every((m) => !mentions(m, STAGING)),
          "staging's findings no longer go to C0ALERTS",
        );
        assert.equal(
          alertedKeys(staging),
          Array.from({ length: 6 }, (_, k) => `alias/stg-${k}`),
          'an alert per staging key (6 are under the digest threshold)',
        );
        assert.equal(
          alertedKeys(alerts),
          Array.from({ length: 6 }, (_, k) => `alias/prod-${k}`),
        );
      } finally {
        await bot.stop();
      }
    } finally {
      await slack.stop();
    }
  },
);

for (const c of [
  { name: 'Slack posted it but answered 500', posted: true },
  { name: 'it was never posted (500)', posted: false },
]) {
  moved(
    `a digest tried in C0ALERTS (${c.name}), then staging gets a channel of its own: each part is looked for where it was tried, and ${c.posted ? 'not posted again' : "goes to its account's channel only"}`,
    async () => {
      const db = database();
      const slack = await new FakeSlack().start();
      slack.channels.set(STAGING_CHANNEL, { name: 'staging-alerts' });
      slack.overrides.set('chat.postMessage', (params) => {
        if (c.posted) slack.defaultAnswer('chat.postMessage', params);
        return [500, { ok: false, error: 'internal_error' }];
      });
      try {
        const first = await startBot(botWorld(), config(), {
          db,
          slack,
          clock: new ManualClock(),
          channelSpacingMs: 0,
        });
        try {
          await deadline(first.system.bot.notifier.idle(), 'the first attempt');
        } finally {
          await first.stop();
        }
        slack.overrides.delete('chat.postMessage');
        const clock = new ManualClock();
        const bot = await startBot(botWorld(), config(STAGING_CHANNEL), { db, slack, clock, channelSpacingMs: 0 });
        try {
          clock.advance(60_000);
          await deadline(bot.system.bot.notifier.idle(), 'the retry');
          const { staging, alerts } = assertEachInItsOwn(bot, slack);
          assert.ok(
            slack.callsOf('conversations.history').some((h) => h.params.channel === ALERTS),
            'looked for in C0ALERTS, where it was tried',
          );
          if (c.posted) {
            assert.is(alerts.length, 1, 'the digest that went out stands for all of it');
            assert.is(staging.length, 0, 'nothing posted again');
            assert.is(slack.callsOf('chat.postMessage').length, 1);
          } else {
            assert.equal(
              alerts.map((m) => m.text),
              ['6 KMS keys with new findings: 6 high'],
              "prod's part, in C0ALERTS",
            );
            assert.ok(alerts.every((m) => !mentions(m, STAGING)));
            assert.equal(
              staging.map((m) => m.text),
              ['6 KMS keys with new findings: 6 high'],
              "staging's part, in its own channel",
            );
          }
        } finally {
          await bot.stop();
        }
      } finally {
        await slack.stop();
      }
    },
  );
}

moved.run();
