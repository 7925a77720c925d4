import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GrantEntry, KeySnapshot } from '../src/core/scan/types.js';
import type { RecordableScan as ScanResult } from '../src/usecases/scan-types.js';
import { recordScanned } from '../test/helpers/scan-results.js';
import { fromBuild } from './from-build.js';
import { adminStatement, ownerStatement, USE_ACTIONS } from './policy-corpus.js';

// The store and the engine as they ship (compiled by tsc).
const { SqliteStore } = await fromBuild<typeof import('../src/adapters/store/sqlite-store.js')>(
  'adapters/store/sqlite-store.js',
);
const { evaluateKey } = await fromBuild<typeof import('../src/core/scan/evaluate-key.js')>('core/scan/evaluate-key.js');
const { trustZone } = await fromBuild<typeof import('../src/core/trust.js')>('core/trust.js');

const ACCOUNTS = 20;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'];
const SCOPES = ACCOUNTS * REGIONS.length;
const KEYS = 100_000;
const PER_SCOPE = KEYS / SCOPES;
export const FOREIGN = '987654321098';

const accountOf = (scope: number) => String(400000000000 + (scope % ACCOUNTS) * 1111);
const regionOf = (scope: number) => REGIONS[Math.floor(scope / ACCOUNTS)] as string;

/** What a key looks like in each scan. 10% of the keys change between the two. */
type Shape =
  | 'default' // the account's console default policy: the same text for many keys
  | 'app' // an application policy naming the key's own roles: text of its own
  | 'exposed' // an application policy that also lets FOREIGN use the key: one finding
  | 'exposed-by-grant'; // the default policy, and a grant to FOREIGN: one finding

/**
 * Key i in the first scan: 10% exposed (9,500 through the policy, 500 through a grant), 50% on the default policy,
 * 40% with an application policy; every 7th key has a grant to one of its own roles.
 */
function firstShape(i: number): Shape {
  const kind = i % 10;
  if (kind === 0) return Math.floor(i / 10) % 20 === 0 ? 'exposed-by-grant' : 'exposed';
  return kind <= 5 ? 'default' : 'app';
}

/**
 * The second scan: 500 exposed keys fixed, 500 application keys newly exposed, 8,500 application policies with one
 * more role, 250 exposed keys deleted and 250 new keys: 10,000 keys changed; 500 new findings, 750 resolved.
 */
function secondShape(i: number): { shape: Shape; extraRole: boolean } | undefined {
  const first = firstShape(i);
  const m = Math.floor(i / 10);
  if (first === 'exposed' && i % 200 === 10) return { shape: 'app', extraRole: false }; // 500 fixed
  if (first === 'exposed' && i % 400 === 20) return undefined; // 250 deleted
  if (i % 200 === 6) return { shape: 'exposed', extraRole: false }; // 500 application keys newly exposed
  if ((i % 10 === 7 || i % 10 === 8) && m % 40 < 17) return { shape: 'app', extraRole: true }; // 8,500 edited
  return { shape: first, extraRole: false };
}

function policyText(account: string, i: number, shape: Shape, extraRole: boolean): string {
  const statements: object[] = [ownerStatement(account), adminStatement(account, 'Platform')];
  if (shape === 'app' || shape === 'exposed') {
    const roles = Array.from({ length: 3 + (i % 6) + (extraRole ? 1 : 0) }, (_, n) => {
      return `arn:aws:iam::${account}:role/app-${i % 997}-service-${n}`;
    });
    statements.push(
      { Sid: 'Allow use of the key', Effect: 'Allow', Principal: { AWS: roles }, Action: USE_ACTIONS, Resource: '*' },
      {
        Sid: 'Allow attachment of persistent resources',
        Effect: 'Allow',
        Principal: { AWS: roles },
        Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    );
  }
  if (shape === 'exposed') {
    statements.push({
      Sid: 'Partner decrypt',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
    });
  }
  return JSON.stringify({ Version: '2012-10-17', Id: 'key-consolepolicy-3', Statement: statements }, null, 2);
}

/** One scan's keys, made one at a time. Default policies share one string per account. */
export function* scanKeys(version: 1 | 2): Generator<{ key: KeySnapshot; policyBytes: number }> {
  const defaults = new Map<string, string>();
  const make = (i: number, shape: Shape, extraRole: boolean) => {
    const scope = Math.floor(i / PER_SCOPE) % SCOPES;
    const account = accountOf(scope);
    const region = regionOf(scope);
    let policy: string;
    if (shape === 'default' || shape === 'exposed-by-grant') {
      policy = defaults.get(account) ?? policyText(account, i, 'default', false);
      defaults.set(account, policy);
    } else {
      policy = policyText(account, i, shape, extraRole);
    }
    const keyId = `${(i + 0x10000000).toString(16)}-1b2c-4d5e-8f90-${String(i).padStart(12, '0')}`;
    const grants: GrantEntry[] = [];
    if (i % 7 === 0) grants.push(grant(`${account}`, `app-${i % 997}-service-0`, i, 'own'));
    if (shape === 'exposed-by-grant') grants.push(grant(FOREIGN, 'partner-ingest', i, 'partner'));
    const key: KeySnapshot = {
      accountId: account,
      region,
      keyId,
      keyArn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
      aliases: i % 3 === 0 ? [`alias/app-${i % 997}-${i}`] : [],
      keyState: 'Enabled',
      multiRegion: false,
      multiRegionKeyType: null,
      policy,
      grants,
    };
    return { key, policyBytes: policy.length };
  };
  for (let i = 0; i < KEYS; i++) {
    if (version === 1) yield make(i, firstShape(i), false);
    else {
      const next = secondShape(i);
      if (next !== undefined) yield make(i, next.shape, next.extraRole);
    }
  }
  if (version === 2) for (let i = KEYS; i < KEYS + 250; i++) yield make(i, 'default', false);
}

/** The scan as one record: what every scanned account-region covered, complete. */
export function scanSummary(id: string, version: 1 | 2, keys: number) {
  const at = new Date(Date.UTC(2026, 10, version)).toISOString();
  return {
    scan: {
      id,
      startedAt: at,
      finishedAt: at,
      accounts: ACCOUNTS,
      regions: REGIONS.length,
      keys,
      customerManagedKeys: keys,
      apiCalls: 4 * keys,
      throttled: 0,
      complete: true,
    },
    errors: [],
    coverage: Array.from({ length: SCOPES }, (_, s) => ({
      accountId: accountOf(s),
      region: regionOf(s),
      complete: true,
    })),
  };
}

/** One scan: its keys, judged with the built engine. */
function buildScan(id: string, version: 1 | 2): { result: ScanResult; policyBytes: number } {
  const keys: KeySnapshot[] = [];
  let policyBytes = 0;
  for (const made of scanKeys(version)) {
    keys.push(made.key);
    policyBytes += made.policyBytes;
  }
  const findings = keys.flatMap((k) => evaluateKey(k, trustZone(k.accountId, [])).findings);
  return { result: { ...scanSummary(id, version, keys.length), findings, keys }, policyBytes };
}

function grant(account: string, role: string, i: number, tag: string): GrantEntry {
  return {
    grantId: `${tag}-${i.toString(16).padStart(8, '0')}${'0'.repeat(56)}`,
    name: `${tag}-grant`,
    granteePrincipal: `arn:aws:iam::${account}:role/${role}`,
    retiringPrincipal: null,
    issuingAccount: `arn:aws:iam::${account}:root`,
    operations: ['Decrypt', 'Encrypt', 'GenerateDataKey'],
  };
}

/**
 * Samples the process's RSS every 20 ms in a worker thread: recording a scan is synchronous, so the main thread
 * cannot sample while it runs. `peak()` returns the highest sample since the last call.
 */
function rssSampler() {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let peak = 0;
     const sample = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
     const timer = setInterval(sample, 20);
     parentPort.on('message', (m) => {
       if (m === 'stop') { clearInterval(timer); parentPort.close(); return; }
       sample(); parentPort.postMessage(peak); peak = 0;
     });`,
    { eval: true, execArgv: [] },
  );
  const peak = () =>
    new Promise<number>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage('peak');
    });
  return { peak, stop: () => worker.postMessage('stop') };
}

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
const rss = () => mb(process.memoryUsage.rss());
const round = (seconds: number) => Math.round(seconds * 100) / 100;

/** Builds one scan's input, records it, and lets the input go: only figures come back. */
async function recordOne(
  store: InstanceType<typeof SqliteStore>,
  sampler: ReturnType<typeof rssSampler>,
  id: string,
  version: 1 | 2,
) {
  const { result, policyBytes } = buildScan(id, version);
  const rssWithInputMB = rss();
  await sampler.peak();
  const start = performance.now();
  const changes = recordScanned(store, result, 'bench', new Date(result.scan.finishedAt));
  const recordSeconds = round((performance.now() - start) / 1000);
  return {
    keys: result.keys.length,
    findings: result.findings.length,
    averagePolicyBytes: Math.round(policyBytes / result.keys.length),
    recordSeconds,
    ...changes,
    rssWithInputMB,
    peakRssDuringRecordMB: mb(await sampler.peak()),
  };
}

export async function benchStore(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-bench-store-'));
  const path = join(dir, 'kms-sentinel.db');
  const sampler = rssSampler();
  try {
    const rssBeforeInputsMB = rss();
    const store = new SqliteStore(path);
    const first = await recordOne(store, sampler, 'scan-1', 1);
    const second = await recordOne(store, sampler, 'scan-2', 2);
    store.close();
    return { part: 'store', rssBeforeInputsMB, first, second, databaseMB: mb(statSync(path).size) };
  } finally {
    sampler.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
