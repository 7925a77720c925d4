// Needs the build: spawns dist/cli/main.js, whose folder walk and file reading are the process's own.
// Red-team round 21: a symlinked folder skipped in silence, a FIFO that hung the walk, a broken link that stopped
// it, and a Terraform plan over the old 4 MB input cap.
import { type ExecFileException, execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { unprivilegedCli } from '../helpers/cli-as-user.js';

const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;
/** A walk that hangs (a FIFO opened for reading) fails the test here instead of hanging CI. */
const DEADLINE_MS = 60_000;

interface Run {
  readonly code: number;
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: DEADLINE_MS, maxBuffer: 64 * 1024 * 1024 },
      (error: ExecFileException | null, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, killed: error?.killed === true, stdout, stderr });
      },
    );
  });
}

interface Report {
  checked: { file: string }[];
  keys: { file: string; findings: { principal: string }[] }[];
  errors: { file: string; code: string; message: string }[];
}

const json = (result: Run) => JSON.parse(result.stdout) as Report;

const policy = (principal: string) =>
  `Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n          - {Effect: Allow, Principal: ${principal}, Action: "kms:*", Resource: "*"}\n`;
const PUBLIC = policy('"*"');
const VENDOR = policy('{AWS: "arn:aws:iam::999999999999:root"}');

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-iac-walk-'));
  chmodSync(dir, 0o755);
  return dir;
}

const walk = suite('a folder walk: links followed, special files never opened, one bad file spoils only itself');

walk('symlinked folders and files are followed; a link loop ends; each folder is read once', async () => {
  const root = folder();
  mkdirSync(join(root, 'outside', 'shared'), { recursive: true });
  mkdirSync(join(root, 'infra'));
  writeFileSync(join(root, 'outside', 'public.yaml'), PUBLIC);
  writeFileSync(join(root, 'outside', 'shared', 'vendor.yaml'), VENDOR);
  symlinkSync('../outside/public.yaml', join(root, 'infra', 'stack.yaml'));
  symlinkSync('../outside/shared', join(root, 'infra', 'shared'));
  symlinkSync('../infra', join(root, 'infra', 'loop'));
  const result = await run(['check-iac', join(root, 'infra'), '--format', 'json']);
  assert.is(result.killed, false);
  assert.is(result.code, 1, result.stdout + result.stderr);
  const report = json(result);
  assert.equal(
    report.checked.map((c) => c.file.slice(root.length)),
    ['/infra/shared/vendor.yaml', '/infra/stack.yaml'],
  );
  assert.equal(
    report.keys.map((k) => k.findings.map((f) => f.principal)),
    [['arn:aws:iam::999999999999:root'], ['*']],
  );
});

walk('a FIFO named *.yaml in a folder is not opened: an error for it alone, the rest checked', async () => {
  const root = folder();
  writeFileSync(join(root, 'a.yaml'), PUBLIC);
  execFileSync('mkfifo', [join(root, 'x.yaml')]);
  const result = await run(['check-iac', root, '--format', 'json']);
  assert.is(result.killed, false, 'the walk did not wait on the FIFO');
  assert.is(result.code, 2);
  const report = json(result);
  assert.equal(
    report.checked.map((c) => c.file.slice(root.length)),
    ['/a.yaml'],
  );
  assert.equal(
    report.keys[0]?.findings.map((f) => f.principal),
    ['*'],
  );
  assert.equal(
    report.errors.map((e) => [e.file.slice(root.length), e.code]),
    [['/x.yaml', 'unreadable-input']],
  );
  assert.match(report.errors[0]?.message ?? '', /it is a FIFO, not a regular file/);
});

walk('a FIFO named on the command line is still read, as <(command) is', async () => {
  const root = folder();
  const fifo = join(root, 'stack.yaml');
  writeFileSync(join(root, 'source'), VENDOR);
  execFileSync('mkfifo', [fifo]);
  // The writer is a process of its own, with the same deadline: a reader that never comes cannot keep it waiting.
  const writer = new Promise((resolve) => {
    execFile('sh', ['-c', 'cat "$1" > "$2"', 'sh', join(root, 'source'), fifo], { timeout: DEADLINE_MS }, resolve);
  });
  const result = await run(['check-iac', fifo, '--format', 'json']);
  await writer;
  assert.is(result.code, 1, result.stdout + result.stderr);
  assert.equal(
    json(result).keys[0]?.findings.map((f) => f.principal),
    ['arn:aws:iam::999999999999:root'],
  );
});

walk('a broken link is an error for that file; the folder is still checked and reported', async () => {
  const root = folder();
  writeFileSync(join(root, 'a.yaml'), PUBLIC);
  symlinkSync('/nonexistent/kms-sentinel-test', join(root, 'z.yaml'));
  const result = await run(['check-iac', root, '--format', 'json']);
  assert.is(result.code, 2);
  const report = json(result);
  assert.equal(
    report.keys[0]?.findings.map((f) => f.principal),
    ['*'],
  );
  assert.equal(
    report.errors.map((e) => [e.file.slice(root.length), e.code, e.message.slice(root.length + 'cannot read '.length)]),
    [['/z.yaml', 'unreadable-input', '/z.yaml: no such file']],
  );
  const text = await run(['check-iac', root]);
  assert.match(text.stdout, /z\.yaml {2}cannot be checked: cannot read .*z\.yaml: no such file \[unreadable-input\]/);
  assert.match(text.stdout, /a\.yaml:7 {2}CRITICAL \*/);
});

walk('an unreadable file or subfolder is an error for it alone (as a user without permission)', async () => {
  const user = unprivilegedCli();
  if (user.uid === undefined) {
    console.log(`\n  unreadable-file checks as an unprivileged user not run: ${user.whyNot}`);
    return;
  }
  const root = folder();
  writeFileSync(join(root, 'a.yaml'), VENDOR, { mode: 0o644 });
  writeFileSync(join(root, 'b.yaml'), PUBLIC, { mode: 0o000 });
  mkdirSync(join(root, 'closed'), { mode: 0o000 });
  const result = await user.run(['check-iac', root, '--format', 'json']);
  assert.is(result.code, 2, result.stdout + result.stderr);
  const report = json(result as Run);
  assert.equal(
    report.keys[0]?.findings.map((f) => f.principal),
    ['arn:aws:iam::999999999999:root'],
  );
  assert.equal(
    report.errors.map((e) => [e.file.slice(root.length), e.code, /permission denied/.test(e.message)]),
    [
      ['/b.yaml', 'unreadable-input', true],
      ['/closed', 'unreadable-input', true],
    ],
  );
});

const big = suite('input size');

big('a Terraform plan larger than the old 4 MB cap is read and judged', async () => {
  const padding = Array.from({ length: 3000 }, (_, i) => ({
    address: `aws_s3_object.o${i}`,
    mode: 'managed',
    type: 'aws_s3_object',
    name: `o${i}`,
    change: { actions: ['create'], before: null, after: { content: 'x'.repeat(2000) }, after_unknown: {} },
  }));
  const keyPolicy = {
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:*', Resource: '*' },
    ],
  };
  const plan = {
    format_version: '1.2',
    planned_values: { root_module: {} },
    resource_changes: [
      {
        address: 'aws_kms_key.k',
        mode: 'managed',
        type: 'aws_kms_key',
        name: 'k',
        change: { actions: ['create'], before: null, after: { policy: JSON.stringify(keyPolicy) }, after_unknown: {} },
      },
      ...padding,
    ],
  };
  const file = join(folder(), 'plan.json');
  const text = JSON.stringify(plan);
  assert.ok(text.length > 5 * 1024 * 1024, `the plan is ${text.length} bytes`);
  writeFileSync(file, text);
  const result = await run(['check-iac', file, '--account', '111122223333', '--format', 'json']);
  assert.is(result.code, 1, result.stderr);
  assert.equal(
    json(result).keys[0]?.findings.map((f) => f.principal),
    ['arn:aws:iam::999999999999:root'],
  );
});

walk.run();
big.run();
