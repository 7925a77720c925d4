import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox, type World, type WorldKey } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { type CliResult, cli } from './cli.js';

/** Runs `fn` with a sandbox serving `world` and the SDK pointed at it; always stops it and restores the environment. */
export async function withSandbox<T>(world: World, fn: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox(world);
  const restore = pointSdkAt({ ...sandbox.env, AWS_EC2_METADATA_DISABLED: 'true' });
  try {
    return await fn(sandbox);
  } finally {
    restore();
    await sandbox.stop();
  }
}

export interface ScanRun extends CliResult {
  /** The parsed JSON output (when the format was json and something was printed). */
  readonly json: ScanJson;
  readonly sandbox: Sandbox;
}

export interface ScanJson {
  scan: {
    complete: boolean;
    keys: number;
    customerManagedKeys: number;
    accounts: number;
    regions: number;
    apiCalls: number;
    id: string;
  };
  findings: Array<
    Record<string, unknown> & { principal: string; accountId: string; keyId: string; source: string; severity: string }
  >;
  errors: Array<{ accountId: string; region: string | null; keyId: string | null; code: string; message: string }>;
  notices: Array<{ code: string; keyId: string }>;
}

/** Writes `configYaml` to a temp file and runs `kms-sentinel scan --format json` against a sandbox serving `world`. */
export async function scanWorld(world: World, configYaml: string, extraArgs: string[] = []): Promise<ScanRun> {
  return withSandbox(world, async (sandbox) => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-test-'));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(config, configYaml);
    const db = join(dir, 'kms-sentinel.db');
    const result = await cli(['scan', '--config', config, '--db', db, '--format', 'json', ...extraArgs], '', {
      ...process.env,
    });
    const json = (result.stdout ? JSON.parse(result.stdout) : {}) as ScanJson;
    return { ...result, json, sandbox };
  });
}

let counter = 0;
/** A fresh key ID, unique within the test run. */
export function keyId(): string {
  counter++;
  return `0000${String(counter).padStart(4, '0')}-1111-4222-8333-${String(counter).padStart(12, '0')}`;
}

export const policyOf = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
export const ownerOnly = (account: string) =>
  policyOf({
    Sid: 'Owner',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  });
export const sharedWith = (owner: string, principal: string, sid = 'Shared') =>
  policyOf(
    { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: sid, Effect: 'Allow', Principal: { AWS: principal }, Action: ['kms:Decrypt'], Resource: '*' },
  );

export function cleanKeys(account: string, count: number): WorldKey[] {
  return Array.from({ length: count }, () => ({ keyId: keyId(), policy: ownerOnly(account) }));
}
