import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSlack } from '../test/helpers/fake-slack.js';
import { commandBody, postSigned, SIGNING_SECRET } from '../test/helpers/slack-requests.js';
import { startSandboxProcess } from './scan.bench.js';
import { BENCH_CALLER, BENCH_REGIONS, type OrgShape } from './scan-world.js';

const SHAPE: OrgShape = { accounts: 20, regions: 4, keysPerRegion: 250, latencyMs: 20, quotas: {} };
const UNLIMITED = {
  ListKeys: 100_000,
  ListAliases: 100_000,
  DescribeKey: 100_000,
  GetKeyPolicy: 100_000,
  ListGrants: 100_000,
};
const STATUS_EVERY_MS = 100;

/**
 * The bot stays responsive while it scans: `kms-sentinel serve` as built, against the sandbox (20,000 keys, in its
 * own process) and the Slack fake; a scan is started with /kms scan, and meanwhile a signed /kms status is sent every
 * 100 ms. Reports how long each took to be acknowledged, the time from the scan's end to its last alert, and the
 * bot's peak RSS.
 */
export async function benchServe(): Promise<Record<string, unknown>> {
  const { child: sandbox, env: sandboxEnv } = await startSandboxProcess(SHAPE);
  const slack = await new FakeSlack().start();
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-bench-serve-'));
  const ids = Array.from({ length: SHAPE.accounts }, (_, a) => String(BigInt(BENCH_CALLER) + BigInt(a + 1)));
  writeFileSync(
    join(dir, 'k.yml'),
    [
      `accounts: [${ids.map((id) => `{ id: "${id}" }`).join(', ')}]`,
      `regions: [${BENCH_REGIONS.slice(0, SHAPE.regions).join(', ')}]`,
      `scan: { rateLimits: ${JSON.stringify(UNLIMITED)} }`,
      'schedule: "0 0 1 1 *"',
      'slack: { channel: C0BENCH, admins: [U0ADMIN] }',
    ].join('\n'),
  );
  const bot = spawnServe(join(dir, 'k.yml'), join(dir, 'k.db'), sandboxEnv, slack.apiUrl);
  let peakKb = 0;
  const rss = setInterval(() => {
    try {
      peakKb = Math.max(
        peakKb,
        Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${bot.pid}/status`, 'utf8'))?.[1] ?? 0),
      );
    } catch {
      // exited
    }
  }, 20);
  try {
    const port = await listeningPort(bot.stderr as NodeJS.ReadableStream);
    const url = `http://127.0.0.1:${port}/slack/events`;
    const scanStart = performance.now();
    const scan = await postSigned(url, commandBody('scan', 'U0ADMIN', slack.responseUrl('scan')));
    if (scan.status !== 200) throw new Error(`/kms scan answered ${scan.status}`);
    const summary = slack.waitForResponse('scan');
    let scanEnded = 0;
    void summary.then(() => {
      scanEnded = performance.now();
    });
    const latencies: number[] = [];
    while (scanEnded === 0) {
      const tick = performance.now();
      const status = await postSigned(
        url,
        commandBody('status', 'U0MEMBER', slack.responseUrl(`status-${latencies.length}`)),
      );
      if (status.status !== 200) throw new Error(`/kms status answered ${status.status}`);
      latencies.push(status.ms);
      const wait = STATUS_EVERY_MS - (performance.now() - tick);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const scanSeconds = (scanEnded - scanStart) / 1000;
    // The last alert: the outbox is empty once the notifier has posted everything the scan caused.
    for (;;) {
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
        outbox: { pending: number; sending: number };
      };
      if (health.outbox.pending === 0 && health.outbox.sending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lastPost = Math.max(...slack.callsOf('chat.postMessage').map((c) => c.at), 0);
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 10) / 10;
    return {
      part: 'serve',
      keys: SHAPE.accounts * SHAPE.regions * SHAPE.keysPerRegion,
      scanSeconds: Math.round(scanSeconds * 10) / 10,
      statusRequests: latencies.length,
      ackP50Ms: pct(0.5),
      ackP99Ms: pct(0.99),
      ackMaxMs: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
      over3s: latencies.filter((l) => l > 3000).length,
      alertsPosted: slack.callsOf('chat.postMessage').length,
      scanEndToLastAlertSeconds:
        lastPost === 0 ? null : Math.round((lastPost - (performance.timeOrigin + scanEnded)) / 100) / 10,
      peakRssMB: Math.round(peakKb / 1024),
    };
  } finally {
    clearInterval(rss);
    bot.kill('SIGTERM');
    await new Promise((resolve) => bot.once('exit', resolve));
    await slack.stop();
    sandbox.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `kms-sentinel serve` as built, on a free port, pointed at the sandbox and the Slack fake; its stderr is piped. */
export function spawnServe(config: string, db: string, sandboxEnv: Record<string, string>, slackApiUrl: string) {
  return spawn(
    process.execPath,
    [new URL('../dist/cli/main.js', import.meta.url).pathname, 'serve', '--config', config, '--db', db],
    {
      env: {
        ...process.env,
        ...sandboxEnv,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApiUrl,
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

/** The port `serve` logs that it listens on. Its stderr is read to the end, so that it never writes into a closed pipe. */
export function listeningPort(stderr: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let found = false;
    stderr.on('data', (chunk) => {
      if (found) return;
      buffer += chunk;
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(buffer);
      if (match?.[1] !== undefined) {
        found = true;
        resolve(Number(match[1]));
      }
    });
    stderr.on('end', () => {
      if (!found) reject(new Error(`serve exited before it listened: ${buffer}`));
    });
  });
}
