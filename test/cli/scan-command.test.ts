// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { printScanReport } from '../../src/cli/format/scan-output.js';
import { demoWorld } from '../../src/demo/demo-world.js';
import { cli } from '../helpers/cli.js';
import { withSandbox } from '../helpers/sandbox.js';

const command = suite('kms-sentinel scan and demo');
const bin = new URL('../../dist/cli/main.js', import.meta.url).pathname;

command('demo: scans the built-in organization and shows what it found', async () => {
  const result = await cli(['demo', '--format', 'json']);
  assert.is(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.equal(Object.keys(out), ['scan', 'findings', 'errors', 'notices', 'record']);
  assert.ok(existsSync(out.record.database), 'the database was written where it says');
  // The key whose policy shuts the scanner out is an item of the record too (kind unreadable), not an exposure.
  assert.is(out.record.newFindings, out.findings.length + 1);
  assert.is(out.scan.accounts, 3);
  assert.is(out.scan.regions, 2);
  assert.is(out.scan.keys, 12);
  const principals = out.findings.map((f: { principal: string }) => f.principal);
  assert.ok(principals.includes('arn:aws:iam::123412341234:root'), 'the rule page example');
  assert.ok(
    out.findings.some((f: { public: boolean }) => f.public),
    'a public key',
  );
  assert.ok(
    out.findings.some((f: { source: string }) => f.source === 'grant'),
    'a foreign grant',
  );
  assert.not.ok(principals.includes('arn:aws:iam::444455556666:role/Backup'), 'the trusted partner is no finding');
  assert.equal(
    out.errors.map((e: { code: string }) => e.code),
    ['KeyPolicyUnreadable'],
  );
});

command('demo as built prints the table and nothing on stderr (no SDK Node-version notice)', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'demo'], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' },
  });
  assert.match(stdout, /SEVERITY\s+ACCOUNT\s+REGION\s+KEY/);
  assert.match(stdout, /alias\/public-reports/);
  assert.match(stdout, /The scan is INCOMPLETE/);
  assert.match(stdout, /Recorded in .*kms-sentinel\.db: 8 new, 0 still open, 0 resolved\./);
  assert.is(stderr, '');
});

command('scan: bad configuration, arguments and credentials exit 2 with one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-cli-'));
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'regions: mars\n');
  const cases: [string[], RegExp][] = [
    [['scan', '--config', bad], /regions: must be "all"/],
    [['scan', '--config', join(dir, 'missing.yml')], /does not exist/],
    [['scan', '--format', 'xml'], /--format must be table or json/],
    [['scan', '--account', '12'], /not a 12-digit AWS account ID/],
    [['scan', '--region', 'Mars-1'], /not an AWS region name/],
    [['scan', '--trust', 'everyone'], /not a valid trust entry/],
  ];
  for (const [argv, message] of cases) {
    const result = await cli(argv, '', {});
    assert.is(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

command('scan: credentials the SDK cannot use are a clear error, exit 2', async () => {
  await withSandbox(demoWorld(), async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWNUNKNOWN00';
    const result = await cli(['scan', '--region', 'us-east-1', '--no-store'], '', { ...process.env });
    assert.is(result.code, 2);
    assert.match(result.stderr, /cannot identify the AWS credentials/);
  });
});

command('scan: an STS endpoint that cannot be reached is named in a clear error, exit 2, no stack trace', async () => {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-cli-'));
  const config = join(dir, 'k.yml');
  writeFileSync(config, 'regions: [us-east-1]\nscan: { maxAttempts: 1, requestTimeoutSeconds: 2 }\n');
  const { code, stderr } = await promisify(execFile)(
    process.execPath,
    [bin, 'scan', '--config', config, '--no-store'],
    { env },
  ).catch((e) => e);
  assert.is(code, 2);
  assert.match(stderr, /cannot reach http:\/\/127\.0\.0\.1:9\/: connection refused/);
  assert.match(stderr, /AWS_ENDPOINT_URL_STS/);
  assert.not.match(stderr, /credentials/, 'the credentials are not what failed');
  assert.not.match(stderr, /\n\s+at /);
});

command('scan: table output names the key, its state and the reason', async () => {
  await withSandbox(demoWorld(), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-cli-'));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(config, 'regions: [us-east-1]\naccounts:\n  - { id: "210987654321", name: staging }\n');
    const result = await cli(['scan', '--config', config, '--no-store'], '', { ...process.env });
    assert.is(result.code, 3, 'one key is unreadable');
    assert.match(
      result.stdout,
      /CRITICAL\s+210987654321 \(staging\)\s+us-east-1\s+alias\/old-import\s+PendingDeletion/,
    );
    assert.match(result.stdout, /KeyPolicyUnreadable/);
  });
});

command('scan --format json waits for its reader: a large output is never held in memory whole', async () => {
  const chunks: string[] = [];
  let waits = 0;
  let unread = 0;
  const io = {
    stdout: (text: string) => {
      chunks.push(text);
      unread += text.length;
    },
    // The reader takes what is waiting each time the writer waits.
    stdoutDrained: async () => {
      waits++;
      unread = 0;
    },
    stderr: () => undefined,
    readFile: async () => '',
    readStdin: async () => '',
    fileExists: () => false,
    env: {},
    stderrIsTTY: false,
  };
  let mostUnread = 0;
  const finding = (n: number) => {
    mostUnread = Math.max(mostUnread, unread);
    return {
      accountId: '111111111111',
      region: 'us-east-1',
      keyId: `key-${n}`,
      keyArn: `arn:aws:kms:us-east-1:111111111111:key/key-${n}`,
      aliases: [],
      keyState: 'Enabled',
      kind: 'cross-account',
      source: 'policy',
      statement: 'Shared',
      grantId: null,
      principal: 'arn:aws:iam::999999999999:root',
      account: '999999999999',
      actions: ['kms:Decrypt'],
      severity: 'high',
      public: false,
      reason: 'account 999999999999 is not trusted',
    };
  };
  const count = await printScanReport(
    io,
    'json',
    {
      scan: {
        id: 's',
        startedAt: '',
        finishedAt: '',
        accounts: 1,
        regions: 1,
        keys: 1000,
        customerManagedKeys: 1000,
        apiCalls: 0,
        throttled: 0,
        complete: true,
      },
      accountNames: new Map(),
      findings: function* () {
        for (let n = 0; n < 1000; n++) yield finding(n) as never;
      },
      errors: () => [],
      notices: () => [],
      record: undefined,
    },
    undefined,
  );
  assert.is(count, 1000);
  assert.is(JSON.parse(chunks.join('')).findings.length, 1000);
  assert.ok(waits >= 4, `it waited for its reader ${waits} times`);
  assert.ok(mostUnread < 300_000, `at most ${mostUnread} characters were waiting to be read`);
});

command.run();
