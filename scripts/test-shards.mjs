// Runs every test file under test/ in TEST_SHARDS uvu processes side by side (default: one per CPU, at most 4), each
// with the per-test timeout, and prints each process's report whole as it ends. Exits non-zero when any failed.
// Extra arguments narrow the files to those whose path under test/ matches them (a regular expression).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const ROOT = new URL('..', import.meta.url).pathname;
const TESTS = join(ROOT, 'test');
const only = process.argv[2] === undefined ? undefined : new RegExp(process.argv[2], 'i');

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [relative(TESTS, path)] : [];
  });
}

const files = testFiles(TESTS)
  .filter((f) => only === undefined || only.test(f))
  .sort();
const count = Math.max(
  1,
  Math.min(Number(process.env.TEST_SHARDS) || Math.min(availableParallelism(), 4), files.length),
);
// Dealt in turn, so that each folder's slow files (remediation, bot) spread over the shards.
const shards = Array.from({ length: count }, (_, i) => files.filter((_, j) => j % count === i));
const literal = (f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const results = await Promise.all(
  shards.map(
    (shard, i) =>
      new Promise((resolve) => {
        const pattern = `^(${shard.map(literal).join('|')})$`;
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '--import',
            './test/helpers/timeout/preload.ts',
            'node_modules/uvu/bin.js',
            'test',
            pattern,
          ],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
        );
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
        });
        child.stderr.on('data', (chunk) => {
          out += chunk;
        });
        child.on('close', (code, signal) => {
          process.stdout.write(`\n=== test shard ${i + 1} of ${count}: ${shard.length} files ===\n${out}`);
          const number = (label) =>
            Number(new RegExp(`${label}:\\s+(\\d+)`).exec(stripVTControlCharacters(out))?.[1] ?? 0);
          resolve({
            code: code ?? (signal ? 1 : 0),
            total: number('Total'),
            passed: number('Passed'),
            skipped: number('Skipped'),
          });
        });
      }),
  ),
);

const sum = (key) => results.reduce((n, r) => n + r[key], 0);
const failed = results.some((r) => r.code !== 0) || sum('passed') !== sum('total');
process.stdout.write(
  `\n=== ${count} shards, ${files.length} files: ${sum('total')} tests, ${sum('passed')} passed, ${sum('skipped')} skipped${failed ? ', FAILED' : ''} ===\n`,
);
process.exit(failed ? 1 : 0);
