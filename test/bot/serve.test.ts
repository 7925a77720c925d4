// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Sandbox } from '../../src/sandbox/index.js';
import { sandboxEnvironment } from '../../src/sandbox/sdk-env.js';
import { botConfig } from '../helpers/bot.js';
import type { FakeSlack } from '../helpers/fake-slack.js';
import { BIN, botFiles, type Fakes, runBuilt, withFakes } from '../helpers/served.js';
import { SIGNING_SECRET } from '../helpers/slack-requests.js';

const serve = suite<Fakes>('kms-sentinel serve, as built');

withFakes(serve);

const files = botFiles;

function envFor(slack: FakeSlack, sandbox: Sandbox, extra: Record<string, string | undefined> = {}) {
  const env = sandboxEnvironment(process.env, sandbox.env);
  delete env.SLACK_BOT_TOKEN;
  return {
    ...env,
    SLACK_BOT_TOKEN: 'xoxb-secret-bot-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    ...extra,
  } as NodeJS.ProcessEnv;
}

/** Runs `serve` until it exits (start-up failures). */
const runToExit = (args: string[], env: NodeJS.ProcessEnv) => runBuilt(['serve', ...args], env);

/** Starts `serve` and resolves once it logs that it listens, with its port and what it logged. */
async function started(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let onLine: (() => void) | undefined;
  child.stderr.on('data', (chunk) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) lines.push(JSON.parse(line) as Record<string, unknown>);
    onLine?.();
  });
  const waitFor = async (message: string) => {
    for (;;) {
      const found = lines.find((l) => l.msg === message);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => {
        onLine = resolve;
      });
    }
  };
  const listening = await waitFor('listening');
  return { child: child as ChildProcess, port: listening.port as number, lines, waitFor };
}

serve(
  'start-up failures are one line naming what to fix, exit 2, never a trace or a half-started bot',
  async ({ slack, sandbox }) => {
    const f = files();
    const cases: [Record<string, string | undefined>, RegExp, string?][] = [
      [{ SLACK_BOT_TOKEN: '' }, /SLACK_BOT_TOKEN is not set/],
      [{ SLACK_SIGNING_SECRET: undefined }, /set SLACK_SIGNING_SECRET .* or SLACK_APP_TOKEN/],
      [{ SLACK_APP_TOKEN: 'xoxb-wrong-kind' }, /SLACK_APP_TOKEN must be an app-level token \(xapp-…\)/],
      [{ PORT: 'http' }, /PORT "http" is not a port number/],
      [{ SLACK_API_URL: 'ftp://x' }, /SLACK_API_URL "ftp:\/\/x" is not an http\(s\) URL/],
    ];
    for (const [extra, message] of cases) {
      const run = await runToExit(['--config', f.config, '--db', f.db], envFor(slack, sandbox, extra));
      assert.is(run.code, 2, run.stderr);
      assert.is(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.not.match(run.stderr, /\n\s+at |xoxb-secret-bot-token/);
    }
    slack.authTest = { ok: false, error: 'invalid_auth' };
    try {
      const refused = await runToExit(['--config', f.config, '--db', f.db], envFor(slack, sandbox));
      assert.is(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /Slack refused SLACK_BOT_TOKEN \(invalid_auth\): set it to the app's Bot User OAuth Token/,
      );
      assert.not.match(refused.stderr, /xoxb-secret-bot-token|\n\s+at /);
    } finally {
      slack.authTest = { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' };
    }
    for (const [config, message] of [
      [botConfig().replace('"0 0 1 1 *"', '"61 * * * *"'), /schedule: "61 \* \* \* \*" is not a cron expression/],
      [`timezone: Moon/Base\n${botConfig()}`, /timezone: must be an IANA time zone/],
      [botConfig().replace('  channel: C0ALERTS\n', ''), /slack.channel is not set/],
    ] as const) {
      const bad = files(config);
      const run = await runToExit(['--config', bad.config, '--db', bad.db], envFor(slack, sandbox));
      assert.is(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
    }
  },
);

serve(
  'a PORT already in use is one line naming it, exit 2, in both modes; nothing is left running',
  async ({ slack, sandbox }) => {
    const held = createServer();
    held.listen(0, '127.0.0.1');
    await once(held, 'listening');
    const port = String((held.address() as AddressInfo).port);
    try {
      for (const mode of [{}, { SLACK_APP_TOKEN: 'xapp-test' }]) {
        const f = files();
        // runBuilt's deadline: a bot left half-started (a database, a worker, a timer still open) never exits.
        const run = await runToExit(
          ['--config', f.config, '--db', f.db],
          envFor(slack, sandbox, { PORT: port, ...mode }),
        );
        assert.is(run.code, 2, run.stderr);
        assert.is(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
        assert.match(run.stderr, new RegExp(`PORT ${port} is already in use`));
        assert.match(run.stderr, /\[environment\]$/m);
        assert.not.match(run.stderr, /internal error|report it as a bug|\n\s+at /);
      }
    } finally {
      held.close();
    }
  },
);

serve('it serves until SIGTERM, then stops cleanly: the database closed, exit 0', async ({ slack, sandbox }) => {
  const f = files();
  const bot = await started(['--config', f.config, '--db', f.db], envFor(slack, sandbox));
  const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
  assert.is(health.status, 200);
  const exited = once(bot.child, 'exit');
  bot.child.kill('SIGTERM');
  const [code] = (await exited) as [number];
  assert.is(code, 0);
  assert.ok(bot.lines.some((l) => l.msg === 'stopped'));
  assert.not.match(JSON.stringify(bot.lines), /xoxb-secret-bot-token|test-signing-secret/);
});

serve('/healthz says 503 when the database cannot be used', async ({ slack, sandbox }) => {
  const f = files();
  const bot = await started(['--config', f.config, '--db', f.db], envFor(slack, sandbox));
  try {
    assert.is((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status, 200);
    // The file and its write-ahead log overwritten (a disk gone bad, a restore gone wrong).
    writeFileSync(f.db, Buffer.alloc(64 * 1024, 0x42));
    writeFileSync(`${f.db}-wal`, Buffer.alloc(0));
    const broken = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
    assert.is(broken.status, 503);
    const body = (await broken.json()) as { status: string; database: { ok: boolean; error: string } };
    assert.equal([body.status, body.database.ok], ['unhealthy', false]);
    assert.match(body.database.error, /cannot use the database/);
  } finally {
    bot.child.kill('SIGTERM');
    await once(bot.child, 'exit');
  }
});

serve.run();
