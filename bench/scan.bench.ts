import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { SandboxStats } from '../src/sandbox/index.js';
import { fromBuild } from './from-build.js';
import { BENCH_CALLER, BENCH_REGIONS, type OrgShape } from './scan-world.js';

const { composeScan } = await fromBuild<typeof import('../src/compose.js')>('compose.js');
const { parseConfig } = await fromBuild<typeof import('../src/config/load-config.js')>('config/load-config.js');
const { scanPlanFrom } = await fromBuild<typeof import('../src/config/scan-plan-from-config.js')>(
  'config/scan-plan-from-config.js',
);
const { pointSdkAt } = await fromBuild<typeof import('../src/sandbox/sdk-env.js')>('sandbox/sdk-env.js');
const { runScan } = await fromBuild<typeof import('../src/usecases/run-scan.js')>('usecases/run-scan.js');

interface Scenario {
  readonly name: string;
  readonly shape: OrgShape;
  /** What the scanner is told about the quotas (scan.rateLimits), as a user would configure it. */
  readonly rateLimits: Record<string, number>;
}

const LATENCY_MS = 20;
const UNLIMITED = {
  ListKeys: 100_000,
  ListAliases: 100_000,
  DescribeKey: 100_000,
  GetKeyPolicy: 100_000,
  ListGrants: 100_000,
};
const LOW_QUOTAS = { ListKeys: 5, ListAliases: 5, DescribeKey: 10, GetKeyPolicy: 5, ListGrants: 10 };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'quota-bound',
    shape: { accounts: 20, regions: 4, keysPerRegion: 50, latencyMs: LATENCY_MS, quotas: LOW_QUOTAS },
    rateLimits: LOW_QUOTAS,
  },
  {
    name: 'latency-bound',
    shape: { accounts: 20, regions: 4, keysPerRegion: 50, latencyMs: LATENCY_MS, quotas: {} },
    rateLimits: UNLIMITED,
  },
  {
    name: '20k-keys',
    shape: { accounts: 20, regions: 4, keysPerRegion: 250, latencyMs: LATENCY_MS, quotas: {} },
    rateLimits: UNLIMITED,
  },
];

async function startSandboxProcess(shape: OrgShape): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = fork(new URL('./sandbox-process.ts', import.meta.url).pathname, [JSON.stringify(shape)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, env: JSON.parse(line.toString()) };
}

/** Runs one scenario: the sandbox in its own process, the scanner (as built) in this one. */
export async function benchScan(scenario: Scenario): Promise<Record<string, unknown>> {
  const { shape } = scenario;
  const { child, env } = await startSandboxProcess(shape);
  const restore = pointSdkAt(env);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  try {
    const ids = Array.from({ length: shape.accounts }, (_, a) => String(BigInt(BENCH_CALLER) + BigInt(a + 1)));
    const yaml = [
      `accounts: [${ids.map((id) => `"${id}"`).join(', ')}]`.replace(/"(\d+)"/g, '{ id: "$1" }'),
      `regions: [${BENCH_REGIONS.slice(0, shape.regions).join(', ')}]`,
      `scan: { regionConcurrency: 80, keyConcurrency: 8, rateLimits: ${JSON.stringify(scenario.rateLimits)} }`,
    ].join('\n');
    const config = parseConfig(yaml, 'bench');
    const plan = scanPlanFrom(config, {
      accounts: [],
      regions: [],
      roleName: undefined,
      externalId: undefined,
      trust: [],
    });
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = await runScan(plan, composeScan(config, env));
    const wallSeconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    child.send('stats');
    const [stats] = (await once(child, 'message')) as [SandboxStats];
    const latency = shape.latencyMs / 1000;
    const regionsTotal = shape.accounts * shape.regions;
    const customerPerRegion = shape.keysPerRegion - 1;
    return {
      part: 'scan',
      scenario: scenario.name,
      accounts: shape.accounts,
      regions: shape.regions,
      keys: result.scan.keys,
      customerManagedKeys: result.scan.customerManagedKeys,
      findings: result.findings.length,
      errors: result.errors.length,
      complete: result.scan.complete,
      apiCalls: result.scan.apiCalls,
      throttled: stats.throttled,
      latencyMs: shape.latencyMs,
      quotasPerAccountRegion: shape.quotas,
      wallSeconds: round(wallSeconds),
      quotaBoundSeconds: round(quotaBound(shape, latency)),
      ratioToQuotaBound: round(wallSeconds / quotaBound(shape, latency)),
      rulePageProcedureSeconds: round((shape.accounts + regionsTotal * (1 + customerPerRegion)) * latency),
      speedupVsRulePageProcedure: round(
        ((shape.accounts + regionsTotal * (1 + customerPerRegion)) * latency) / wallSeconds,
      ),
      sameCallsOneAtATimeSeconds: round(stats.total * latency),
      speedupVsSameCallsOneAtATime: round((stats.total * latency) / wallSeconds),
      scannerCpuSeconds: round((cpu.user + cpu.system) / 1e6),
      cpuMsPerCall: round((cpu.user + cpu.system) / 1000 / stats.total),
      peakRssMB: Math.round(peakRss / 1024 / 1024),
    };
  } finally {
    clearInterval(sampler);
    restore();
    child.disconnect();
  }
}

/**
 * The least time the quotas and latency allow: every account-region runs in parallel, each operation's quota is a
 * token bucket holding one second of requests, and a key needs three calls in sequence.
 */
function quotaBound(shape: OrgShape, latency: number): number {
  const q = shape.quotas;
  const n = shape.keysPerRegion;
  const waits = [
    ['DescribeKey', n],
    ['GetKeyPolicy', n - 1],
    ['ListGrants', n - 1],
  ].map(([op, calls]) => {
    const quota = q[op as keyof typeof q];
    return quota === undefined ? 0 : Math.max(0, (Number(calls) - quota) / quota);
  });
  return Math.max(...waits) + 6 * latency;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
