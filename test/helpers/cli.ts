import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { silenceSdkNodeVersionNotice } from '../../src/cli/environment.js';
import { run } from '../../src/cli/run.js';

// As the entry point does: the SDK's Node-version notice would land in the test output.
silenceSdkNodeVersionNotice(process.env);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with captured output; `stdin` is what "-" reads. */
export async function cli(
  argv: string[],
  stdin = '',
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: (path) => readFile(path, 'utf8'),
    readStdin: async () => stdin,
    fileExists: existsSync,
    listDirectory: async (path) => {
      try {
        return (await readdir(path, { withFileTypes: true })).map((e) => ({
          name: e.name,
          directory: e.isDirectory(),
        }));
      } catch (error) {
        if (['ENOTDIR', 'ENOENT'].includes((error as { code?: string }).code ?? '')) return undefined;
        throw error;
      }
    },
    env,
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

export const fixturePath = (name: string) => new URL(`../fixtures/policies/${name}`, import.meta.url).pathname;
