#!/usr/bin/env node
import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { silenceSdkNodeVersionNotice } from './environment.js';
import { EXIT_INTERNAL } from './exit-codes.js';
import { describeUnexpected, run } from './run.js';

silenceSdkNodeVersionNotice(process.env);

/** More than any key policy (32 KB) or config file needs; /dev/zero or a runaway pipe stops here. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

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

/** A folder's entries, folders marked; undefined when the path is no folder (a file, or nothing there). */
async function listDirectory(path: string): Promise<{ name: string; directory: boolean }[] | undefined> {
  const { readdir } = await import('node:fs/promises');
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, directory: e.isDirectory() }));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOTDIR' || (error as { code?: string }).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
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
  readFile: (path) => readCapped(createReadStream(path)),
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
