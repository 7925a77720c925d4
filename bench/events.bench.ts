import type { World } from '../src/sandbox/index.js';
import { ALERTS, MEMBER, startBot } from '../test/helpers/bot.js';
import { cleanKeys, sharedWith } from '../test/helpers/sandbox.js';

const PROD = '111111111111';
const STRANGER = '999988887777';
const CHANGES = 20;

/**
 * End to end, as a user sees it: from a PutKeyPolicy in the AWS sandbox to the Slack alert for it, with the default
 * coalescing (events.coalesceSeconds 3). The real bot (Bolt, the notifier, the record, the events consumer through
 * the SDK's SQS client), the sandbox's SQS queue fed as EventBridge would, a fake Slack. One change at a time.
 */
export async function benchEvents(): Promise<Record<string, unknown>> {
  const keys = cleanKeys(PROD, CHANGES);
  const world: World = { callerAccount: PROD, accounts: [{ id: PROD, regions: [{ name: 'us-east-1', keys }] }] };
  const config = `accounts: [{ id: "${PROD}" }]\nregions: [us-east-1]\nschedule: "0 0 1 1 *"\nslack: { channel: ${ALERTS} }\n`;
  const bot = await startBot(world, config, { events: { coalesceSeconds: 3 } });
  try {
    const scan = await bot.command('scan', MEMBER);
    await bot.slack.waitForResponse(scan.responseName);
    await bot.system.bot.notifier.idle();
    const latencies: number[] = [];
    for (const key of keys) {
      const posted = bot.slack.callsOf('chat.postMessage').length;
      const started = performance.now();
      bot.sandbox.setKeyPolicy(PROD, 'us-east-1', key.keyId, sharedWith(PROD, STRANGER));
      const calls = await bot.slack.waitForCalls('chat.postMessage', posted + 1);
      if (!JSON.stringify(calls[posted]?.params).includes(key.keyId))
        throw new Error('the alert is not for the changed key');
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0);
    return { part: 'events', changes: CHANGES, coalesceSeconds: 3, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
  } finally {
    await bot.stop();
  }
}
