#!/usr/bin/env node
import { createReadStream, type Dirent, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { silenceSdkNodeVersionNotice } from './environment.js';
import { EXIT_INTERNAL } from './exit-codes.js';
import { describeUnexpected, run } from './run.js';

silenceSdkNodeVersionNotice(process.env);

/**
 * A bound on any one input, so /dev/zero or a runaway pipe stops here. Key policies (32 KB) and config files are
 * small, but a Terraform plan (`terraform show -json`) holds every value of the plan and runs to tens or hundreds of
 * MB for a large state: check-iac must read those. Node's strings hold at most about 512 MB.
 */
const MAX_INPUT_BYTES = 256 * 1024 * 1024;

async function readCapped(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) {
      stream.destroy();
      throw new Error(`it is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// A reader that stops early (`| head`) is not an error: the rest of the output goes nowhere, and the command still
// finishes and exits with its own status (findings, an incomplete scan), not with a made-up 0.
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    stdoutClosed = true;
    return;
  }
  throw error;
});

const debug = process.argv.includes('--debug') || process.env.KMS_SENTINEL_DEBUG === '1';
// Whatever escapes a command (an error in a callback, a stray rejection) is still one line, never a stack trace.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    process.stderr.write(describeUnexpected(error, debug));
    process.exit(EXIT_INTERNAL);
  });
}

const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

// In a container run without --init this process is PID 1, which the kernel spares every signal it has no handler
// for: `docker stop` would wait out its grace period and SIGKILL. There, a command that does not watch for interrupts
// itself (serve, scan and demo do, below) still ends on SIGINT or SIGTERM, with the status a shell would report.
if (process.pid === 1) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(EXIT_ON_SIGNAL[signal]);
    });
  }
}

/**
 * The real path of every folder this run has listed. A folder is listed once, however many symbolic links lead to
 * it: a link back to a folder above (a loop) or a second link to one folder lists nothing more, so no file is read
 * twice and no walk goes on forever.
 */
const listedFolders = new Set<string>();

/**
 * A folder's entries, folders marked, symbolic links followed (a broken link is listed as a file, so that reading it
 * says why it cannot be read); an empty list for a folder listed before; undefined when the path is no folder.
 */
async function listDirectory(path: string): Promise<{ name: string; directory: boolean }[] | undefined> {
  const { readdir, realpath, stat } = await import('node:fs/promises');
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOTDIR' || (error as { code?: string }).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  const real = await realpath(path);
  if (listedFolders.has(real)) return [];
  listedFolders.add(real);
  const listed: { name: string; directory: boolean }[] = [];
  for (const entry of entries) {
    const target = entry.isSymbolicLink() ? await stat(join(path, entry.name)).catch(() => undefined) : entry;
    listed.push({ name: entry.name, directory: target?.isDirectory() === true });
  }
  return listed;
}

/**
 * A file's text, at most MAX_INPUT_BYTES. A FIFO, socket or device found in a folder (not named by the user, as
 * `<(command)` is) is not opened: opening a FIFO waits for a writer that may never come.
 */
async function readFile(path: string): Promise<string> {
  const { realpath, stat } = await import('node:fs/promises');
  const info = await stat(path);
  if (!info.isFile() && !info.isDirectory()) {
    const folder = await realpath(dirname(path)).catch(() => undefined);
    if (folder !== undefined && listedFolders.has(folder)) {
      const kind = info.isFIFO() ? 'a FIFO' : info.isSocket() ? 'a socket' : 'a device';
      throw new Error(`it is ${kind}, not a regular file: a file found in a folder is read only when it is one`);
    }
  }
  return readCapped(createReadStream(path));
}

async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

const exitCode = await run(process.argv.slice(2), {
  stdout: (chunk) => {
    if (!stdoutClosed) process.stdout.write(chunk);
  },
  stdoutDrained: () =>
    new Promise<void>((resolve) => {
      if (stdoutClosed || !process.stdout.writableNeedDrain) return resolve();
      const done = () => {
        process.stdout.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      process.stdout.on('drain', done).on('close', done).on('error', done);
    }),
  stderr: (chunk) => process.stderr.write(chunk),
  readFile,
  readStdin: () => readCapped(process.stdin),
  fileExists: existsSync,
  listDirectory,
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
  ...(process.stdin.isTTY === true && process.stderr.isTTY === true ? { confirm: askOnTerminal } : {}),
  onInterrupt: (cleanup) => {
    // The first signal starts the cleanup; more signals (an impatient Ctrl-C) are answered, not obeyed, so the
    // cleanup is never cut short halfway.
    let stopping = false;
    const onSignal = (signal: keyof typeof EXIT_ON_SIGNAL) => {
      // Said only to a person at a terminal: a service's stderr holds its JSON log lines and nothing else.
      const tell = (text: string) => (process.stderr.isTTY === true ? process.stderr.write(text) : undefined);
      if (stopping) {
        tell('kms-sentinel: still stopping; it exits as soon as the work in flight is settled\n');
        return;
      }
      stopping = true;
      tell('kms-sentinel: stopping...\n');
      void Promise.resolve()
        .then(cleanup)
        .then(
          (code) => process.exit(typeof code === 'number' ? code : EXIT_ON_SIGNAL[signal]),
          (error: unknown) => {
            process.stderr.write(describeUnexpected(error, debug));
            process.exit(EXIT_ON_SIGNAL[signal]);
          },
        );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      if (stopping) return;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  },
});
process.exitCode = exitCode;
