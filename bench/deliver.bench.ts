import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedScan } from '../test/helpers/big-outbox.js';
import { FakeSlack } from '../test/helpers/fake-slack.js';
import { commandBody, postSigned } from '../test/helpers/slack-requests.js';
import { startSandboxProcess } from './scan.bench.js';
import { listeningPort, spawnServe } from './serve.bench.js';

const KEYS = 100_000;
const COMMAND_EVERY_MS = 100;

/**
 * The bot stays responsive while it delivers a very large scan and over a very large record: a record holding one
 * scan's 100,000 new findings (one finding per key, none delivered) is served by `kms-sentinel serve` as built, which
 * plans, claims and posts them as one digest; meanwhile a signed /kms status and /kms findings go in turn every
 * 100 ms, and go on for a while once it is delivered (100,000 open findings). Reports how long each took to be
 * acknowledged, during delivery and after, and how long the digest took to go out.
 */
export async function benchDeliver(): Promise<Record<string, unknown>> {
  const { child: sandbox, env: sandboxEnv } = await startSandboxProcess({
    accounts: 1,
    regions: 1,
    keysPerRegion: 1,
    latencyMs: 0,
    quotas: {},
  });
  const slack = await new FakeSlack().start();
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-bench-deliver-'));
  const db = join(dir, 'k.db');
  seedScan(db, { keys: KEYS, perKey: 1, scanId: 'scan-big' });
  writeFileSync(
    join(dir, 'k.yml'),
    ['accounts: [{ id: "111111111111" }]', 'regions: [us-east-1]', 'schedule: "0 0 1 1 *"'].join('\n') +
      '\nslack: { channel: C0BENCH, admins: [U0ADMIN] }\n',
  );
  const start = performance.now();
  const bot = spawnServe(join(dir, 'k.yml'), db, sandboxEnv, slack.apiUrl);
  try {
    const port = await listeningPort(bot.stderr as NodeJS.ReadableStream);
    const url = `http://127.0.0.1:${port}/slack/events`;
    const during: number[] = [];
    const after: number[] = [];
    let delivered = 0;
    let sent = 0;
    for (let n = 0; delivered === 0 || after.length < 40; n++) {
      const tick = performance.now();
      const text = n % 2 === 0 ? 'status' : 'findings';
      const answer = await postSigned(url, commandBody(text, 'U0MEMBER', slack.responseUrl(`c-${n}`)));
      if (answer.status !== 200) throw new Error(`/kms ${text} answered ${answer.status}`);
      (delivered === 0 ? during : after).push(answer.ms);
      if (delivered === 0 && slack.callsOf('chat.postMessage').length > 0) {
        delivered = performance.now();
        sent = slack.callsOf('chat.postMessage').length;
      }
      const wait = COMMAND_EVERY_MS - (performance.now() - tick);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const summary = (latencies: readonly number[]) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      const pct = (p: number) =>
        Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) * 10) / 10;
      return { commands: sorted.length, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: pct(1) };
    };
    return {
      part: 'deliver',
      keys: KEYS,
      digestPostedSeconds: Math.round((delivered - start) / 100) / 10,
      messagesPosted: sent,
      ackWhileDelivering: summary(during),
      ackAfterwards: summary(after),
    };
  } finally {
    bot.kill('SIGTERM');
    await new Promise((resolve) => bot.once('exit', resolve));
    await slack.stop();
    sandbox.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
