import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { composeScan } from '../src/compose.js';
import { parseConfig } from '../src/config/load-config.js';
import { scanPlanFrom } from '../src/config/scan-plan-from-config.js';
import type { SandboxStats } from '../src/sandbox/index.js';
import { pointSdkAt } from '../src/sandbox/sdk-env.js';
import { runScan } from '../src/usecases/run-scan.js';
import { BENCH_CALLER, BENCH_REGIONS, type OrgShape } from './scan-world.js';

const SHAPE: OrgShape = {
  accounts: Number(process.env.BENCH_ACCOUNTS ?? 20),
  regions: Number(process.env.BENCH_REGIONS ?? 4),
  keysPerRegion: Number(process.env.BENCH_KEYS ?? 250),
  latencyMs: 20,
  quotas: { ListKeys: 10, ListAliases: 10, DescribeKey: 50, GetKeyPolicy: 15, ListGrants: 50 },
};

async function startSandboxProcess(shape: OrgShape): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = fork(new URL('./sandbox-process.ts', import.meta.url).pathname, [JSON.stringify(shape)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, env: JSON.parse(line.toString()) };
}

export async function benchScan(): Promise<Record<string, unknown>> {
  const { child, env } = await startSandboxProcess(SHAPE);
  const restore = pointSdkAt(env);
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  try {
    const accounts = Array.from({ length: SHAPE.accounts }, (_, a) => `  - { id: "${String(BigInt(BENCH_CALLER) + BigInt(a + 1))}" }`).join('\n');
    const yaml = `accounts:\n${accounts}\nregions: [${BENCH_REGIONS.slice(0, SHAPE.regions).join(', ')}]\nscan:\n  rateLimits: ${JSON.stringify(SHAPE.quotas)}\n`;
    const config = parseConfig(yaml, 'bench');
    const plan = scanPlanFrom(config, { accounts: [], regions: [], roleName: undefined, externalId: undefined, trust: [] });
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const result = await runScan(plan, composeScan(config, env));
    const wallSeconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    child.send('stats');
    const [stats] = (await once(child, 'message')) as [SandboxStats];
    const latency = SHAPE.latencyMs / 1000;
    const keysPerRegion = SHAPE.keysPerRegion;
    const customerPerRegion = keysPerRegion - 1;
    const q = SHAPE.quotas;
    // Each account-region is throttled on its own: a token bucket holding one second of each quota.
    const perOperation = [
      (customerPerRegion - (q.GetKeyPolicy ?? Infinity)) / (q.GetKeyPolicy ?? Infinity),
      (keysPerRegion - (q.DescribeKey ?? Infinity)) / (q.DescribeKey ?? Infinity),
      (customerPerRegion - (q.ListGrants ?? Infinity)) / (q.ListGrants ?? Infinity),
    ];
    const quotaBoundSeconds = Math.max(0, ...perOperation) + 5 * latency;
    const regionsTotal = SHAPE.accounts * SHAPE.regions;
    const rulePageProcedureSeconds = (SHAPE.accounts + regionsTotal * (1 + customerPerRegion)) * latency;
    const sameCallsOneAtATimeSeconds = stats.total * latency;
    return {
      part: 'scan',
      accounts: SHAPE.accounts,
      regions: SHAPE.regions,
      keys: result.scan.keys,
      customerManagedKeys: result.scan.customerManagedKeys,
      findings: result.findings.length,
      errors: result.errors.length,
      complete: result.scan.complete,
      apiCalls: result.scan.apiCalls,
      sandboxRequests: stats.total,
      throttled: stats.throttled,
      latencyMs: SHAPE.latencyMs,
      quotas: SHAPE.quotas,
      wallSeconds: round(wallSeconds),
      quotaBoundSeconds: round(quotaBoundSeconds),
      ratioToQuotaBound: round(wallSeconds / quotaBoundSeconds),
      rulePageProcedureSeconds: round(rulePageProcedureSeconds),
      speedupVsRulePageProcedure: round(rulePageProcedureSeconds / wallSeconds),
      sameCallsOneAtATimeSeconds: round(sameCallsOneAtATimeSeconds),
      speedupVsSameCallsOneAtATime: round(sameCallsOneAtATimeSeconds / wallSeconds),
      scannerCpuSeconds: round((cpu.user + cpu.system) / 1e6),
      peakRssMB: Math.round(peakRss / 1024 / 1024),
    };
  } finally {
    clearInterval(sampler);
    restore();
    child.disconnect();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
