// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { seedScan } from '../helpers/big-outbox.js';
import { ALERTS, botConfig, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { seededDatabase } from '../helpers/outbox-seed.js';
import { runBuilt } from '../helpers/served.js';

const outbox = suite('kms-sentinel outbox, as built: list what waits or failed, and retry what failed');

const env = { ...process.env, USER: 'alice' } as NodeJS.ProcessEnv;
const run = (args: string[], config: string, db: string, deadlineMs?: number) =>
  runBuilt(['outbox', ...args, '--config', config, '--db', db], env, deadlineMs);

/**
 * Three keys' alerts on record: the first refused for good in a channel that was wrong (its 2 notifications failed),
 * the second waiting for a retry after a 500, the third never tried.
 */
function withHistory() {
  const seeded = seededDatabase(3, 2);
  const store = new SqliteStore(seeded.db, 'existing');
  try {
    const rows = store.outbox(100);
    const of = (key: string) =>
      rows
        .filter((r) => r.notification.kind === 'finding-opened' && r.notification.finding.keyId === key)
        .map((r) => r.id);
    store.holdDeliveryLease('a-bot', new Date(), 60_000);
    store.claimDelivery('a-bot', of('key-0'), 'delivery-0', { kind: 'alert', channel: 'C0GONE', threadTs: null });
    store.settleDelivery('a-bot', 'delivery-0', { state: 'failed', error: 'channel_not_found', retryAt: null });
    store.claimDelivery('a-bot', of('key-1'), 'delivery-1', { kind: 'alert', channel: ALERTS, threadTs: null });
    store.settleDelivery('a-bot', 'delivery-1', {
      state: 'failed',
      error: 'http_500',
      retryAt: new Date('2099-01-01T00:00:00Z'),
    });
    // The bot that tried them has stopped cleanly: it let the lease go.
    store.releaseDeliveryLease('a-bot');
    return { ...seeded, failed: of('key-0'), waiting: of('key-1'), fresh: of('key-2') };
  } finally {
    store.close();
  }
}

outbox('list: each notification not delivered, with where it goes, its attempts and its error', async () => {
  const h = withHistory();
  const text = await run(['list'], h.config, h.db);
  assert.is(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  assert.is(lines.length, 6, text.stdout);
  assert.match(
    lines[0] ?? '',
    new RegExp(`^#${h.failed[0]}  failed   finding-opened  C0GONE  attempts 1  channel_not_found$`),
  );
  assert.match(
    lines[2] ?? '',
    new RegExp(
      `^#${h.waiting[0]}  pending  finding-opened  ${ALERTS}  attempts 1  next 2099-01-01T00:00:00.000Z  http_500$`,
    ),
  );
  assert.match(
    lines[4] ?? '',
    new RegExp(`^#${h.fresh[0]}  pending  finding-opened  account 111111111111  attempts 0$`),
  );

  const failedOnly = await run(['list', '--failed'], h.config, h.db);
  assert.equal(
    failedOnly.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('  ')[0]),
    h.failed.map((id) => `#${id}`),
  );

  const json = await run(['list', '--format', 'json', '--limit', '3'], h.config, h.db);
  assert.is(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as {
    delivery: { state: string };
    notifications: {
      id: number;
      state: string;
      channel: string | null;
      deliveryId: string | null;
      lastError: string | null;
    }[];
    more: number;
  };
  assert.is(out.delivery.state, 'ok');
  assert.equal(
    out.notifications.map((n) => [n.id, n.state, n.channel, n.deliveryId, n.lastError]),
    [
      [h.failed[0], 'failed', 'C0GONE', 'delivery-0', 'channel_not_found'],
      [h.failed[1], 'failed', 'C0GONE', 'delivery-0', 'channel_not_found'],
      [h.waiting[0], 'pending', ALERTS, 'delivery-1', 'http_500'],
    ],
  );
  assert.is(out.more, 3);
});

outbox('list says when delivery is paused', async () => {
  const h = withHistory();
  const store = new SqliteStore(h.db, 'existing');
  store.pauseDelivery({
    scope: 'workspace',
    channel: '',
    reason: 'token_revoked',
    since: '2026-12-01T10:00:00.000Z',
    checks: 2,
    nextCheckAt: '2026-12-01T10:05:00.000Z',
  });
  store.close();
  const text = await run(['list'], h.config, h.db);
  assert.match(
    text.stdout,
    /^Delivery is paused: Slack refuses the bot token \(token_revoked\) since 2026-12-01T10:00:00.000Z; nothing is posted until it works again.\n/,
  );
  const json = JSON.parse((await run(['list', '--format', 'json'], h.config, h.db)).stdout) as {
    delivery: unknown;
  };
  assert.equal(json.delivery, {
    state: 'paused',
    reason: 'token_revoked',
    since: '2026-12-01T10:00:00.000Z',
    channels: [],
  });
});

outbox('retry: bad IDs are refused with exit 2 and nothing is retried', async () => {
  const h = withHistory();
  const cases: [string[], RegExp][] = [
    [['retry', '999999'], /no notification has the ID 999999 \[not-found\]/],
    [['retry', 'abc'], /"abc" is not a notification ID \(see "kms-sentinel outbox list"\) \[usage\]/],
    [['retry', '0'], /"0" is not a notification ID/],
    [
      ['retry', String(h.waiting[0])],
      new RegExp(
        `notification ${h.waiting[0]} is pending, waiting to be sent; only failed notifications are retried \\[usage\\]`,
      ),
    ],
    [['retry', String(h.failed[0]), '999999'], /no notification has the ID 999999/],
    [['retry'], /outbox retry needs the IDs of failed notifications .*, or --failed \[usage\]/],
    [['retry', '--failed', String(h.failed[0])], /IDs or --failed, not both/],
    [['sweep'], /unknown outbox action "sweep"; use list or retry/],
  ];
  for (const [args, message] of cases) {
    const result = await run(args, h.config, h.db);
    assert.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.is(result.stderr.trimEnd().split('\n').length, 1);
  }
  const store = new SqliteStore(h.db, 'read');
  try {
    assert.ok(
      store
        .outbox(100)
        .filter((r) => h.failed.includes(r.id))
        .every((r) => r.state === 'failed'),
      'nothing half-applied',
    );
    assert.equal(
      store.audit(100).filter((a) => a.action === 'notification-retried'),
      [],
    );
  } finally {
    store.close();
  }
  const usage = await runBuilt(['outbox'], env);
  assert.is(usage.code, 2);
  assert.match(usage.stdout, /Usage: kms-sentinel outbox list/);
  const help = await runBuilt(['outbox', '--help'], env);
  assert.is(help.code, 0);
  assert.match(help.stdout, /Exit status: 0 done/);
  const missing = await run(['list'], h.config, join(h.dir, 'none.db'));
  assert.is(missing.code, 4, missing.stderr);
});

outbox('retry ID puts its whole message back in the queue, audited with who did it', async () => {
  const h = withHistory();
  const result = await run(['retry', String(h.failed[0])], h.config, h.db);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Put 2 notifications back in the queue: #${h.failed[0]}, #${h.failed[1]}\\.`));
  assert.match(result.stdout, new RegExp(`#${h.failed[1]} is in the same Slack message as one named`));
  const store = new SqliteStore(h.db, 'read');
  try {
    const rows = store.outbox(100).filter((r) => h.failed.includes(r.id));
    assert.equal(
      rows.map((r) => [r.state, r.nextAttemptAt, r.deliveryId]),
      [
        ['pending', null, 'delivery-0'],
        ['pending', null, 'delivery-0'],
      ],
    );
    const audit = store.audit(100).filter((a) => a.action === 'notification-retried');
    assert.equal(
      audit.map((a) => [a.actor, a.subject]).sort(),
      h.failed.map((id) => ['cli:alice', `outbox:${id}`]).sort(),
    );
    assert.equal(audit[0]?.after, { state: 'pending' });
    assert.match(JSON.stringify(audit[0]?.before), /"state":"failed".*"lastError":"channel_not_found"/);
  } finally {
    store.close();
  }
  const none = await run(['retry', '--failed'], h.config, h.db);
  assert.is(none.code, 0);
  assert.match(none.stdout, /No failed notifications: nothing to retry\./);
});

outbox('retry --failed while the bot runs: its notifier sends them, once, without a restart', async () => {
  const h = withHistory();
  const slack = await new FakeSlack().start();
  const clock = new ManualClock();
  const bot = await startBot(botWorld(), botConfig(), { db: h.db, slack, clock, channelSpacingMs: 0 });
  try {
    await deadline(bot.system.bot.notifier.idle(), 'the bot delivering what is due');
    const before = slack.messages.length;
    assert.is(bot.system.record.outboxCounts().failed, 2, 'the failed alert stays failed');
    const result = await run(['retry', '--failed'], h.config, h.db);
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, /Put 2 notifications back in the queue/);
    // The bot is told nothing: it looks at the queue again within its idle wait.
    clock.advance(30_000);
    await deadline(bot.system.bot.notifier.idle(), 'the retried alert');
    const posted = slack.messages.slice(before).filter((m) => m.threadTs === undefined);
    assert.equal(
      posted.map((m) => [m.channel, /KMS key (\S+) in/.exec(m.text)?.[1]]),
      [[ALERTS, 'alias/key-0']],
      'the retried alert, once, in the channel the config names now',
    );
    assert.is(bot.system.record.outboxCounts().failed, 0);
  } finally {
    await bot.stop();
    await slack.stop();
  }
});

outbox('retry of 5,000 IDs of one message, named one by one: done at once, each named and audited once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-retry-many-'));
  const db = join(dir, 'k.db');
  const config = join(dir, 'k.yml');
  writeFileSync(config, botConfig());
  const ids = seedScan(db, { keys: 1000, perKey: 5, scanId: 'scan-big' });
  const store = new SqliteStore(db, 'existing');
  try {
    store.holdDeliveryLease('a-bot', new Date(), 60_000);
    store.claimDelivery('a-bot', ids, 'digest-1', { kind: 'digest', channel: ALERTS, threadTs: null });
    store.settleDelivery('a-bot', 'digest-1', { state: 'failed', error: 'msg_too_long', retryAt: null });
    store.releaseDeliveryLease('a-bot');
  } finally {
    store.close();
  }
  // Every ID of the message, and some twice: the command holds the database's write lock while it runs, so it must
  // not read the message's notifications again for each ID (5,000 x 5,000 rows took minutes).
  const named = [...ids, ...ids.slice(0, 100)].map(String);
  const result = await run(['retry', ...named], config, db, 20_000);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Put 5000 notifications back in the queue: #/);
  assert.not.match(result.stdout, /in the same Slack message as one named/, 'every one of them was named');
  const after = new SqliteStore(db, 'read');
  try {
    assert.equal(after.outboxCounts(), { pending: 5000, sending: 0, failed: 0 });
    const audit = after.audit(10_000).filter((a) => a.action === 'notification-retried');
    assert.is(audit.length, 5000);
    assert.is(new Set(audit.map((a) => a.subject)).size, 5000, 'one audit row per notification');
  } finally {
    after.close();
  }
});

outbox.run();
