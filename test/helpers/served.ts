import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { botConfig } from './bot.js';
import { botWorld } from './bot-world.js';
import { FakeSlack } from './fake-slack.js';

/** The built CLI, as a user runs it. */
export const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export interface Fakes {
  slack: FakeSlack;
  sandbox: Sandbox;
}

/** Gives every test of the suite the Slack fake and the AWS sandbox serving the bot's world. */
export function withFakes(suite: Test<Fakes>): void {
  suite.before(async (context) => {
    context.slack = await new FakeSlack().start();
    context.sandbox = await startSandbox(botWorld());
  });
  suite.after(async ({ slack, sandbox }) => {
    await slack.stop();
    await sandbox.stop();
  });
}

/** A config file (the bot's, by default) and a database path in a fresh folder. */
export function botFiles(config = botConfig()): { config: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-serve-'));
  writeFileSync(join(dir, 'k.yml'), config);
  return { config: join(dir, 'k.yml'), db: join(dir, 'k.db') };
}

/** Runs the built CLI to its exit, with what it printed; one still running after `deadlineMs` is killed and fails. */
export async function runBuilt(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  deadlineMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let overdue = false;
  const deadline = setTimeout(() => {
    overdue = true;
    child.kill('SIGKILL');
  }, deadlineMs);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const [code] = (await once(child, 'exit')) as [number];
  clearTimeout(deadline);
  if (overdue) throw new Error(`kms-sentinel ${args.join(' ')} had not exited after ${deadlineMs} ms:\n${stderr}`);
  return { code, stdout, stderr };
}
