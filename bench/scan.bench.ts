import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxStats } from '../src/sandbox/index.js';
import { BENCH_CALLER, BENCH_REGIONS, type OrgShape } from './scan-world.js';

interface Scenario {
  readonly name: string;
  readonly shape: OrgShape;
  /** What the scanner is told about the quotas (scan.rateLimits), as a user would configure it. */
  readonly rateLimits: Record<string, number>;
  /** scan.regionConcurrency; the default (32) when absent. */
  readonly regionConcurrency?: number;
  /** scan.rateHeadroom; the default (0.9) when absent. */
  readonly rateHeadroom?: number;
}

const LATENCY_MS = 20;
/** The latency-bound scenario's latency: long enough that waiting on AWS, not the scanner's own work, sets the pace. */
const SLOW_LATENCY_MS = 100;
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
    // Every account-region at once, so that the quotas, not the queue, set the pace; the scanner has the quotas
    // to itself here, so it may use all of them.
    regionConcurrency: 80,
    rateHeadroom: 1,
  },
  {
    name: 'latency-bound',
    shape: { accounts: 20, regions: 4, keysPerRegion: 50, latencyMs: SLOW_LATENCY_MS, quotas: {} },
    rateLimits: UNLIMITED,
  },
  {
    name: '20k-keys',
    shape: { accounts: 20, regions: 4, keysPerRegion: 250, latencyMs: LATENCY_MS, quotas: {} },
    rateLimits: UNLIMITED,
  },
  {
    name: '60k-keys',
    shape: { accounts: 20, regions: 5, keysPerRegion: 600, latencyMs: LATENCY_MS, quotas: {} },
    rateLimits: UNLIMITED,
  },
  {
    name: '100k-keys',
    shape: { accounts: 20, regions: 5, keysPerRegion: 1000, latencyMs: LATENCY_MS, quotas: {} },
    rateLimits: UNLIMITED,
  },
];

export async function startSandboxProcess(
  shape: OrgShape,
): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = fork(new URL('./sandbox-process.ts', import.meta.url).pathname, [JSON.stringify(shape)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, env: JSON.parse(line.toString()) };
}

/** Runs one scenario: the sandbox in one process, `kms-sentinel scan` as built (dist/) in another. */
export async function benchScan(scenario: Scenario): Promise<Record<string, unknown>> {
  const { shape } = scenario;
  const { child, env } = await startSandboxProcess(shape);
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-bench-'));
  try {
    const ids = Array.from({ length: shape.accounts }, (_, a) => String(BigInt(BENCH_CALLER) + BigInt(a + 1)));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(
      config,
      [
        `accounts: [${ids.map((id) => `{ id: "${id}" }`).join(', ')}]`,
        `regions: [${BENCH_REGIONS.slice(0, shape.regions).join(', ')}]`,
        `scan: { regionConcurrency: ${scenario.regionConcurrency ?? 32}, rateHeadroom: ${scenario.rateHeadroom ?? 0.9}, rateLimits: ${JSON.stringify(scenario.rateLimits)} }`,
      ].join('\n'),
    );
    const start = performance.now();
    const db = join(dir, 'kms-sentinel.db');
    const run = await runCli(['scan', '--config', config, '--db', db, '--format', 'json'], { ...process.env, ...env });
    if (run.stdout === '') throw new Error(`kms-sentinel scan printed nothing (exit ${run.code}): ${run.stderr}`);
    const wallSeconds = (performance.now() - start) / 1000;
    const result = JSON.parse(run.stdout) as {
      scan: { keys: number; customerManagedKeys: number; apiCalls: number; complete: boolean };
      findings: unknown[];
      errors: unknown[];
    };
    child.send('stats');
    const [stats] = (await once(child, 'message')) as [SandboxStats];
    const latency = shape.latencyMs / 1000;
    const regionsTotal = shape.accounts * shape.regions;
    const rulePage = (shape.accounts + regionsTotal * shape.keysPerRegion) * latency;
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
      exitCode: run.code,
      apiCalls: result.scan.apiCalls,
      throttled: stats.throttled,
      latencyMs: shape.latencyMs,
      quotasPerAccountRegion: shape.quotas,
      wallSeconds: round(wallSeconds),
      quotaBoundSeconds: round(quotaBound(shape, latency)),
      ratioToQuotaBound: round(wallSeconds / quotaBound(shape, latency)),
      rulePageProcedureSeconds: round(rulePage),
      speedupVsRulePageProcedure: round(rulePage / wallSeconds),
      sameCallsOneAtATimeSeconds: round(stats.total * latency),
      speedupVsSameCallsOneAtATime: round((stats.total * latency) / wallSeconds),
      scannerCpuSeconds: round(run.cpuSeconds),
      cpuMsPerCall: round((run.cpuSeconds * 1000) / stats.total),
      peakRssMB: run.peakRssMB,
      stderr: run.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    child.disconnect();
  }
}

/** Runs the built CLI, reading its peak RSS (VmHWM) and CPU time from /proc while it runs. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv) {
  const cli = spawn(process.execPath, [new URL('../dist/cli/main.js', import.meta.url).pathname, ...args], { env });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  cli.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  let peakKb = 0;
  let ticks = 0;
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${cli.pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      const stat = readFileSync(`/proc/${cli.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks = Number(stat[11] ?? 0) + Number(stat[12] ?? 0);
    } catch {
      // The process has just exited; the last reading stands.
    }
  }, 10);
  const [code] = (await once(cli, 'exit')) as [number];
  clearInterval(poll);
  return { code, stdout, stderr, peakRssMB: Math.round(peakKb / 1024), cpuSeconds: ticks / 100 };
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
