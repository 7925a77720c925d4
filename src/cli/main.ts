#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { run } from './run.js';

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const exitCode = await run(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: () => text(process.stdin),
  fileExists: existsSync,
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
});
process.exitCode = exitCode;
