import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliResult } from './cli.js';

/** The user a test drops to when it runs as root (root ignores file permissions). */
const NOBODY = 65534;
const ROOT = new URL('../..', import.meta.url).pathname;

export type UnprivilegedCli =
  | { readonly uid: number; readonly run: (argv: string[]) => Promise<CliResult> }
  | { readonly uid: undefined; readonly whyNot: string };

let cached: UnprivilegedCli | undefined;

/**
 * The built CLI, run as an unprivileged user (as the test's own user when it is not root). The checkout may sit in a
 * folder only its owner can enter (a clone under `mktemp -d`, a private home): then the built CLI and its modules are
 * linked (or copied) into a folder that user can read. When even that fails, says why, so the caller can tell.
 */
export function unprivilegedCli(): UnprivilegedCli {
  cached ??= prepare();
  return cached;
}

function prepare(): UnprivilegedCli {
  const uid = process.getuid?.() === 0 ? NOBODY : (process.getuid?.() ?? NOBODY);
  const attempts: [string, () => string][] = [
    ['the checkout', () => ROOT],
    ['hard links in the temporary folder', () => readableInstall(['-al'])],
    ['a copy in the temporary folder', () => readableInstall(['-R'], true)],
  ];
  const failures: string[] = [];
  for (const [where, make] of attempts) {
    try {
      const home = make();
      const main = join(home, 'dist/cli/main.js');
      execFileSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(main)})`], {
        uid,
        gid: uid,
        cwd: tmpdir(),
        stdio: 'ignore',
      });
      return { uid, run: (argv) => runAs(uid, main, argv) };
    } catch (error) {
      failures.push(`${where}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { uid: undefined, whyNot: `user ${uid} can run neither node nor the built CLI (${failures.join('; ')})` };
}

/** The built CLI with its modules and package.json, in a fresh folder anyone may enter. */
function readableInstall(cpFlags: string[], openUp = false): string {
  const home = mkdtempSync(join(tmpdir(), 'kms-sentinel-as-user-'));
  chmodSync(home, 0o755);
  for (const part of ['dist', 'node_modules', 'package.json']) {
    execFileSync('cp', [...cpFlags, join(ROOT, part), join(home, part)], { stdio: 'ignore' });
  }
  if (openUp) execFileSync('chmod', ['-R', 'a+rX', home], { stdio: 'ignore' });
  return home;
}

function runAs(uid: number, main: string, argv: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...argv], { uid, gid: uid, cwd: tmpdir() }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
