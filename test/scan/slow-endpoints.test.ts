// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { keyId, sharedWith, withSandbox } from '../helpers/sandbox.js';

const slow = suite('scan: an endpoint that answers a byte at a time never holds the scan');
const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const A = '111111111111';

/** Answers every request with headers, then one byte of body every 200 ms, for ever. */
async function trickle(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '100000' });
    const timer = setInterval(() => response.write(' '), 200);
    response.on('close', () => clearInterval(timer));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

function config(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-slow-'));
  const path = join(dir, 'k.yml');
  writeFileSync(path, `regions: [us-east-1]\nscan: { maxAttempts: 2, requestTimeoutSeconds: 1${extra} }\n`);
  return path;
}

async function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

slow('STS that trickles its answer: the first call times out and the scan exits 2 naming the endpoint', async () => {
  const { url, server } = await trickle();
  try {
    const run = await runCli(['scan', '--config', config(), '--no-store'], {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
    });
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, /AWS STS did not answer .*did not complete within 1000 ms .*\[aws-unreachable\]/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

slow('KMS that trickles its answers: the region is a Timeout, the scan reports and the process exits 3', async () => {
  const world: World = {
    callerAccount: A,
    accounts: [
      { id: A, regions: [{ name: 'us-east-1', keys: [{ keyId: keyId(), policy: sharedWith(A, '999999999999') }] }] },
    ],
  };
  await withSandbox(world, async (sandbox) => {
    const { url, server } = await trickle();
    try {
      const run = await runCli(
        ['scan', '--config', config(', regionTimeoutSeconds: 30'), '--no-store', '--format', 'json'],
        {
          ...sandbox.env,
          AWS_ENDPOINT_URL_KMS: url,
        },
      );
      assert.is(run.code, 3, run.stderr);
      const out = JSON.parse(run.stdout) as { errors: { code: string; region: string }[] };
      assert.equal(
        out.errors.map((e) => `${e.region}:${e.code}`),
        ['us-east-1:Timeout'],
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

slow.run();
