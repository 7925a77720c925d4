import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
import { ADMIN, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { ManualSchedule } from '../helpers/schedule.js';
import { commandBody, eventBody, postSigned, signature } from '../helpers/slack-requests.js';

const transport = suite('bot: signatures, Socket Mode, /healthz, the Home tab and the schedule');

transport('a forged or stale signature is refused by Bolt with 401, and nothing runs', async () => {
  const bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0 });
  try {
    const body = commandBody('scan', ADMIN, bot.slack.responseUrl('forged'));
    const forged = await postSigned(bot.url, body, { secret: 'not-the-secret' });
    assert.is(forged.status, 401);
    const stale = await postSigned(bot.url, body, { ts: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.is(stale.status, 401);
    const unsigned = await fetch(bot.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    assert.is(unsigned.status, 401);
    assert.equal(bot.system.record.scans(10), [], 'no scan was started');
    assert.is(bot.system.bot.scans.running(), undefined);
  } finally {
    await bot.stop();
  }
});

transport(
  'a validly signed request stamped more than 5 minutes from now, ahead or behind, is refused with 401 and runs nothing',
  async () => {
    // The bot's clock for Slack's timestamps, held still: every offset below is exact.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0, slackClock: () => now });
    try {
      const at = now.getTime() / 1000;
      const scan = commandBody('scan', ADMIN, bot.slack.responseUrl('refused'));
      for (const ts of [at + 10 * 60, at + 301, at - 301, at * 1000]) {
        const refused = await postSigned(bot.url, scan, { ts });
        assert.is(refused.status, 401, `stamped ${ts - at} s from now`);
      }
      const { 'x-slack-signature': signed } = signature(scan, undefined, at);
      for (const stamp of ['', 'soon', '1e9', `${at}.5`]) {
        const odd = await fetch(bot.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-signature': signed,
            'x-slack-request-timestamp': stamp,
          },
          body: scan,
        });
        assert.is(odd.status, 401, `stamped ${JSON.stringify(stamp)}`);
      }
      assert.equal(bot.system.record.scans(10), [], 'no scan was started');
      assert.is(bot.system.bot.scans.running(), undefined);
      const refusals = bot.logs.filter((l) => l.fields.event === 'slack-request' && l.level === 'warn');
      assert.is(refusals.length, 8, 'each refusal is logged');
      assert.equal(refusals[0]?.fields.refused, 'outside-window');
      assert.equal(refusals[0]?.fields.skewSeconds, 600);
      const logged = JSON.stringify(refusals);
      assert.not.match(logged, /v0=|response_url|refused-|command=/, 'neither the signature nor the body');

      // Slack's certificate check comes unsigned and unstamped: answered, and dispatched to nothing.
      const sslCheck = await fetch(bot.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'ssl_check=1&token=legacy-verification-token',
      });
      assert.is(sslCheck.status, 200);

      for (const ts of [at + 4 * 60, at - 4 * 60, at + 300]) {
        const within = await bot.command('trusted', MEMBER, { ts });
        assert.is(within.status, 200, `stamped ${ts - at} s from now`);
        assert.match(JSON.stringify(within.json), /The trust list is empty/);
      }
    } finally {
      await bot.stop();
    }
  },
);

transport('/healthz answers in JSON with the database, the last and next scan and the outbox', async () => {
  const bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0 });
  try {
    const before = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    assert.is(before.status, 200);
    const body = (await before.json()) as Record<string, unknown>;
    assert.equal([body.status, body.database, body.lastScan, body.scanning], ['ok', { ok: true }, null, false]);
    assert.match(String(body.nextScan), /^\d{4}-01-01T00:00:00\.000Z$/);
    const scan = await bot.command('scan');
    await bot.slack.waitForResponse(scan.responseName);
    const after = (await (await fetch(`http://127.0.0.1:${bot.port}/healthz`)).json()) as {
      lastScan: { startedBy: string };
      outbox: unknown;
    };
    assert.is(after.lastScan.startedBy, `slack:${MEMBER}`);
    assert.ok(after.outbox !== null);
  } finally {
    await bot.stop();
  }
});

transport('the Home tab is published when opened, and Scan now scans and refreshes it', async () => {
  const bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0 });
  try {
    const opened = await postSigned(
      bot.url,
      eventBody({ type: 'app_home_opened', user: MEMBER, channel: 'D1', tab: 'home' }),
      { json: true },
    );
    assert.is(opened.status, 200);
    const [published] = await bot.slack.waitForCalls('views.publish', 1);
    assert.is(published?.params.user_id, MEMBER);
    const view = JSON.stringify(published?.params.view);
    assert.match(view, /"type":"home"/);
    assert.match(view, /No scan yet/);
    assert.match(view, /kms_scan_now/);
    await bot.click(MEMBER, { channel: 'D1', ts: '1.1' }, { action_id: 'kms_scan_now', value: 'scan' });
    await bot.waitForLog((l) => l.message === 'scan recorded');
    const after = await bot.slack.waitForCalls('views.publish', 3);
    assert.match(JSON.stringify(after.at(-1)?.params.view), /Last scan .* by <@U0MEMBER>/);
  } finally {
    await bot.stop();
  }
});

transport('scheduled scans never overlap: a tick while a scan runs is skipped and logged', async () => {
  const schedule = new ManualSchedule();
  const bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0, schedule });
  try {
    // The scheduled scan is held at its first key policy read, so that it is still running when the next tick comes.
    const held = bot.sandbox.holdNext('GetKeyPolicy');
    schedule.tick();
    await deadline(held.arrived, 'the scheduled scan reading its first key policy');
    schedule.tick();
    const skipped = await bot.waitForLog((l) => l.fields.event === 'schedule' && l.fields.outcome === 'skipped');
    assert.is(skipped.fields.running, 'schedule');
    const busy = await bot.command('scan', ADMIN);
    assert.match(JSON.stringify(busy.json), /A scan is already running: started by `schedule`/);
    held.release();
    await bot.waitForLog((l) => l.message === 'scan recorded');
    assert.is(bot.system.record.scans(10).length, 1, 'the skipped tick was not queued');
    const recorded = () => bot.logs.filter((l) => l.message === 'scan recorded').length;
    schedule.tick();
    await bot.waitForLog((l) => l.message === 'scan recorded' && recorded() > 1);
    const scans = bot.system.record.scans(10);
    assert.is(scans.length, 2);
    assert.ok((scans[1]?.finishedAt ?? '') <= (scans[0]?.startedAt ?? ''), 'one after the other');
  } finally {
    await bot.stop();
  }
});

transport(
  'an incomplete scheduled scan warns once in slack.channel; the same failures again are not repeated',
  async () => {
    const schedule = new ManualSchedule();
    const bot = await startBot(botWorld(), `${botConfig()}scanOnStart: true\n`, { channelSpacingMs: 0, schedule });
    try {
      // scanOnStart: the first scheduled scan starts with the bot.
      await bot.waitForLog((l) => l.message === 'scan recorded' && l.fields.startedBy === 'schedule');
      await deadline(bot.system.bot.notifier.idle(), 'the warning of the first scan');
      const warnings = () => bot.slack.messages.filter((m) => m.text.includes('scheduled scan was incomplete'));
      assert.is(warnings().length, 1);
      assert.is(warnings()[0]?.channel, 'C0ALERTS');
      assert.match(JSON.stringify(warnings()[0]?.blocks), /KeyPolicyUnreadable/);
      const recorded = () => bot.logs.filter((l) => l.message === 'scan recorded').length;
      const before = recorded();
      schedule.tick();
      await bot.waitForLog((l) => l.message === 'scan recorded' && recorded() > before);
      await deadline(bot.system.bot.notifier.idle(), 'the notifier after the second scan');
      assert.is(warnings().length, 1, 'the same failure on the next scan is not warned about again');
    } finally {
      await bot.stop();
    }
  },
);

transport('Socket Mode: the same listeners answer over a WebSocket, and /healthz has a port of its own', async () => {
  const slack = await new FakeSlack().start();
  const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(sockets, 'listening');
  slack.socketUrl = `ws://127.0.0.1:${(sockets.address() as AddressInfo).port}/`;
  // Slack greets every connection; the bot is connected once it has been greeted.
  const connected = new Promise<import('ws').WebSocket>((resolve) =>
    sockets.on('connection', (socket) => {
      socket.send(
        JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { approximate_connection_time: 3600 } }),
      );
      resolve(socket);
    }),
  );
  const bot = await startBot(botWorld(), botConfig(), {
    slack,
    channelSpacingMs: 0,
    env: { SLACK_APP_TOKEN: 'xapp-test' },
  });
  try {
    const socket = await connected;
    const answered = new Promise<Record<string, unknown>>((resolve) =>
      socket.on('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)),
    );
    socket.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: Object.fromEntries(new URLSearchParams(commandBody('trusted', MEMBER, slack.responseUrl('socket')))),
      }),
    );
    const ack = await answered;
    assert.is(ack.envelope_id, 'env-1');
    assert.match(JSON.stringify(ack.payload), /The trust list is empty/);
    const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    assert.is(health.status, 200);
    assert.is(((await health.json()) as { status: string }).status, 'ok');
    assert.is(
      (await fetch(`http://127.0.0.1:${bot.port}/slack/events`, { method: 'POST' })).status,
      404,
      'nothing else is exposed',
    );
    assert.equal(
      slack.callsOf('apps.connections.open').map((c) => c.auth),
      ['Bearer xapp-test'],
    );
  } finally {
    await bot.stop();
    sockets.close();
    await slack.stop();
  }
});

transport.run();
