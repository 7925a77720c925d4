// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, fixturePath } from '../helpers/cli.js';

const command = suite('kms-sentinel check-policy');
const example = fixturePath('rule-page-example.json');
const OWNER = '123456789012';

command('json: prints one object with public, findings and notices; exit 1 on findings', async () => {
  const result = await cli(['check-policy', example, '--key-account', OWNER, '--format', 'json']);
  assert.is(result.code, 1);
  assert.is(result.stderr, '');
  const output = JSON.parse(result.stdout);
  assert.equal(Object.keys(output), ['public', 'findings', 'notices']);
  assert.is(output.public, false);
  assert.equal(output.findings[1], {
    kind: 'account',
    principal: 'arn:aws:iam::123412341234:root',
    account: '123412341234',
    statement: 'Allow use of the key',
    actions: [
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKeyPair',
      'kms:GenerateDataKeyPairWithoutPlaintext',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    ],
    severity: 'high',
    public: false,
    reason: 'account 123412341234 is not trusted',
  });
});

command('exit 0 and no findings once the account is trusted (repeatable --trust)', async () => {
  const args = ['check-policy', example, '--key-account', OWNER, '--format', 'json'];
  const result = await cli([...args, '--trust', 'o-abcdef1234', '--trust', '123412341234']);
  assert.is(result.code, 0);
  assert.equal(JSON.parse(result.stdout).findings, []);
});

command(
  "--key-org says which organization the key's account is in; the Identity Center baseline then passes",
  async () => {
    const baseline = new URL('../fixtures/aws-published/iam-identity-center-baseline-key-policy.json', import.meta.url);
    const fixture = JSON.parse(await readFile(baseline, 'utf8'));
    const file = join(await mkdtemp(join(tmpdir(), 'key-org-')), 'policy.json');
    await writeFile(file, JSON.stringify(fixture.policy));
    const args = ['check-policy', file, '--key-account', fixture.keyAccount, '--format', 'json'];
    const trust = fixture.trust.flatMap((entry: string) => ['--trust', entry]);
    const unknown = await cli([...args, ...trust]);
    assert.is(unknown.code, 1);
    const findings = JSON.parse(unknown.stdout).findings;
    assert.equal(
      findings.map((f: { kind: string; public: boolean }) => [f.kind, f.public]),
      [['organization', false]],
    );
    const known = await cli([...args, ...trust, '--key-org', 'o-a1b2c3d4e5']);
    assert.is(known.code, 0, known.stderr);
    const bad = await cli([...args, '--key-org', 'org-1']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /"org-1" is not an organization ID .*\[invalid-organization-id\]/);
  },
);

command('text: grouped by statement, severity first, one line per finding', async () => {
  const result = await cli(['check-policy', example, '--key-account', OWNER]);
  assert.is(result.code, 1);
  const lines = result.stdout.split('\n');
  assert.is(lines[0], 'Statement "Allow attachment of persistent resources"');
  assert.match(
    lines[1] ?? '',
    /^\s+CRITICAL\s+arn:aws:iam::123412341234:root\s+account 123412341234 is not trusted; actions: kms:CreateGrant, kms:ListGrants, kms:RevokeGrant$/,
  );
  assert.is(lines[2], 'Statement "Allow use of the key"');
  assert.ok(lines.includes('Statement "Allow use of the key"'));
  assert.match(result.stdout, /2 findings for 1 principal\./);
});

command('reads the policy from standard input with "-"', async () => {
  const policy = JSON.stringify({
    Statement: { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
  });
  const result = await cli(['check-policy', '-', '--key-account', OWNER, '--format', 'json'], policy);
  assert.is(result.code, 1);
  assert.is(JSON.parse(result.stdout).public, true);
});

command('notices are printed in both formats', async () => {
  const policy = JSON.stringify({
    Statement: { Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEEXAMPLE12' }, Action: 'kms:Decrypt', Resource: '*' },
  });
  const json = await cli(['check-policy', '-', '--key-account', OWNER, '--format', 'json'], policy);
  assert.is(json.code, 0);
  assert.is(JSON.parse(json.stdout).notices[0].code, 'stale-principal');
  const text = await cli(['check-policy', '-', '--key-account', OWNER], policy);
  assert.match(text.stdout, /\[stale-principal\] "#1": AROAEXAMPLEEXAMPLE12/);
});

command('bad input exits 2 with a one-line error and no stack trace', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['check-policy', fixturePath('rule-page-example-raw.json'), '--key-account', OWNER],
      /line 71, column 3: trailing comma.*\[invalid-json\]/,
    ],
    [
      ['check-policy', fixturePath('rule-page-cloudformation-duplicate-aws.json'), '--key-account', OWNER],
      /duplicate key "AWS".*line 8.*line 9/,
    ],
    [['check-policy', example], /--key-account ID is required/],
    [['check-policy', example, '--key-account', '12345'], /not a 12-digit AWS account ID/],
    [['check-policy', example, '--key-account', OWNER, '--trust', 'partner'], /not a valid trust entry/],
    [['check-policy', example, '--key-account', OWNER, '--format', 'xml'], /--format must be json or text/],
    [['check-policy', '--key-account', OWNER], /exactly one FILE/],
    [['check-policy', example, '--key-account', OWNER, '--bogus'], /Unknown option '--bogus'/],
    [
      ['check-policy', '/nonexistent/policy.json', '--key-account', OWNER],
      /cannot read \/nonexistent\/policy\.json: no such file/,
    ],
    [['frobnicate'], /unknown command "frobnicate"/],
    [
      ['check-policy', `${example}/inside`, '--key-account', OWNER],
      /cannot read .*: a part of the path is not a directory/,
    ],
    [
      ['check-policy', new URL('.', import.meta.url).pathname, '--key-account', OWNER],
      /cannot read .*cli\/: it is a directory/,
    ],
  ];
  for (const [argv, message] of cases) {
    const result = await cli(argv, '');
    assert.is(result.code, 2, argv.join(' '));
    assert.match(result.stderr, message);
    assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
    assert.is(result.stdout.includes('"findings"'), false);
  }
});

command('--help prints usage and exits 0', async () => {
  const main = await cli(['--help']);
  assert.is(main.code, 0);
  assert.match(main.stdout, /check-policy/);
  const sub = await cli(['check-policy', '--help']);
  assert.is(sub.code, 0);
  assert.match(sub.stdout, /--key-account ID/);
});

command('the installed bin runs from the build with a clean stderr', async () => {
  const bin = new URL('../../dist/cli/main.js', import.meta.url).pathname;
  assert.ok((statSync(bin).mode & 0o111) !== 0, 'the bin is executable, so npx can run it');
  const run = promisify(execFile);
  const help = await run(process.execPath, [bin, '--help']);
  assert.match(help.stdout, /Usage: kms-sentinel COMMAND/);
  assert.is(help.stderr, '');
  const failed = await run(process.execPath, [
    bin,
    'check-policy',
    example,
    '--key-account',
    OWNER,
    '--format',
    'json',
  ]).catch((e) => e);
  assert.is(failed.code, 1);
  assert.is(JSON.parse(failed.stdout).findings.length, 2);
  assert.is(failed.stderr, '');
});

command.run();
