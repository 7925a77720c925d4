// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Sandbox } from '../../src/sandbox/index.js';
import { sandboxEnvironment } from '../../src/sandbox/sdk-env.js';
import { ADMIN } from '../helpers/bot.js';
import type { FakeSlack } from '../helpers/fake-slack.js';
import { BIN, botFiles, type Fakes, runBuilt, withFakes } from '../helpers/served.js';
import { commandBody, postSigned, SIGNING_SECRET } from '../helpers/slack-requests.js';

const secrecy = suite<Fakes>('logs: no token, secret, credential or key policy in any line');

const BOT_TOKEN = 'xoxb-secrecy-bot-token-7f3a91';
const APP_TOKEN = 'xapp-secrecy-app-token-55c1e0';
const AWS_SECRET = 'secrecy/aws+secret+key+0d9b2c41';
const SECRETS = [BOT_TOKEN, APP_TOKEN, AWS_SECRET, SIGNING_SECRET];

withFakes(secrecy);

const files = botFiles;

function envFor(slack: FakeSlack, sandbox: Sandbox, extra: Record<string, string | undefined> = {}) {
  return {
    ...sandboxEnvironment(process.env, sandbox.env),
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  } as NodeJS.ProcessEnv;
}

function assertClean(output: string, what: string) {
  for (const secret of SECRETS) assert.not.ok(output.includes(secret), `${what} shows a secret: ${output}`);
  assert.not.match(output, /"Statement"|\\"Statement\\"/, `${what} shows a key policy`);
}

const run = runBuilt;

secrecy('a scan prints findings but never the credentials it ran with', async ({ slack, sandbox }) => {
  const f = files();
  const scan = await run(['scan', '--config', f.config, '--db', f.db], envFor(slack, sandbox));
  assert.ok([0, 1, 3].includes(scan.code), `exit ${scan.code}: ${scan.stderr}`);
  assert.match(scan.stdout, /finding/);
  assertClean(scan.stdout + scan.stderr, 'scan');
});

secrecy('a failing start-up names what to fix and never the value it refused', async ({ slack, sandbox }) => {
  const f = files();
  const wrongKind = await run(
    ['serve', '--config', f.config, '--db', f.db],
    envFor(slack, sandbox, { SLACK_APP_TOKEN: BOT_TOKEN }),
  );
  assert.is(wrongKind.code, 2);
  assert.match(wrongKind.stderr, /SLACK_APP_TOKEN must be an app-level token/);
  assertClean(wrongKind.stderr, 'a refused app token');
  slack.authTest = { ok: false, error: 'invalid_auth' };
  try {
    const refused = await run(
      ['serve', '--config', f.config, '--db', f.db],
      envFor(slack, sandbox, { SLACK_APP_TOKEN: APP_TOKEN }),
    );
    assert.is(refused.code, 2);
    assert.match(refused.stderr, /Slack refused SLACK_BOT_TOKEN/);
    assertClean(refused.stdout + refused.stderr, 'a refused token');
  } finally {
    slack.authTest = { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' };
  }
});

secrecy(
  'a serve session logs one JSON line per command, scan and message, none holding a secret',
  async ({ slack, sandbox }) => {
    const f = files();
    const child = spawn(process.execPath, [BIN, 'serve', '--config', f.config, '--db', f.db], {
      env: envFor(slack, sandbox),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let raw = '';
    const lines: Record<string, unknown>[] = [];
    const seen = new EventTarget();
    child.stderr.on('data', (chunk) => {
      raw += chunk;
      const parts = raw.split('\n');
      raw = parts.pop() ?? '';
      for (const line of parts) {
        assertClean(line, 'a log line');
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      seen.dispatchEvent(new Event('line'));
    });
    const ended = once(child, 'exit').then(() => {
      throw new Error(`serve exited early; it logged:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    });
    ended.catch(() => undefined);
    const waitFor = async (test: (l: Record<string, unknown>) => boolean) => {
      for (;;) {
        const found = lines.find(test);
        if (found !== undefined) return found;
        if (lines.some((l) => l.level === 'error')) throw new Error(`serve logged an error: ${JSON.stringify(lines)}`);
        await Promise.race([once(seen, 'line'), ended]);
      }
    };
    try {
      const listening = await waitFor((l) => l.msg === 'listening');
      const url = `http://127.0.0.1:${listening.port}/slack/events`;
      const answer = await postSigned(url, commandBody('scan', ADMIN, slack.responseUrl('scan')));
      assert.is(answer.status, 200);
      const scan = await waitFor((l) => l.event === 'scan' && l.msg === 'scan recorded');
      for (const field of [
        'accounts',
        'regions',
        'keys',
        'requests',
        'throttled',
        'seconds',
        'new',
        'open',
        'resolved',
        'errors',
      ]) {
        assert.type(scan[field], 'number', `the scan line has ${field}`);
      }
      const command = await waitFor((l) => l.event === 'command');
      assert.equal([command.user, command.command, command.outcome], [ADMIN, 'scan', 'started']);
      await waitFor((l) => l.event === 'slack-message' && l.msg === 'delivered');
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number];
      assert.is(code, 0);
    }
    assert.ok(
      lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string' && typeof l.msg === 'string'),
    );
  },
);

secrecy.run();
