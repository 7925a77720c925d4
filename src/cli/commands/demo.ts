import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwsParts, composeAws, type DemoAws, openRecordFor, startDemoAws } from '../../compose.js';
import { parseConfig } from '../../config/load-config.js';
import { scanPlanFrom } from '../../config/scan-plan-from-config.js';
import { SentinelError } from '../../core/errors.js';
import type { RecordPort } from '../../usecases/record-port.js';
import { scanAndRecord } from '../../usecases/scan-and-record.js';
import { printScanReport } from '../format/scan-output.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';
import { demoEvents } from './demo-events.js';
import { asUserError } from './scan.js';

export const demoHelp = `Usage: kms-sentinel demo [--format table|json]

Runs a real scan, with no AWS account: it starts the built-in AWS sandbox on a loopback port with a small
organization (three accounts, two regions, a dozen keys), points the AWS SDK at it through its standard endpoint
settings, and scans it with the same code as "kms-sentinel scan". The scan is recorded in a new database in the
temporary folder, whose path is printed, so that the other commands can be tried on it with --db.

Exit status: 0 when the demo ran (whatever it found), 2 on bad arguments.
`;

export async function demoCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    format: { type: 'string', default: 'table' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(demoHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`demo takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const format = formatOption(values.format, ['table', 'json'] as const);

  // Interrupted, or failed, before it printed where its database is, the demo leaves nothing behind.
  const held: { folder?: string; record?: RecordPort; aws?: AwsParts; sandbox?: DemoAws } = {};
  const release = async () => {
    await held.record?.close();
    await held.aws?.close();
    await held.sandbox?.stop();
  };
  const cleanUp = async () => {
    await held.record?.close();
    await held.aws?.close();
    if (held.folder !== undefined) rmSync(held.folder, { recursive: true, force: true });
    await held.sandbox?.stop();
  };
  const stopWatching = io.onInterrupt?.(async () => {
    await cleanUp();
    io.stderr(
      `kms-sentinel demo: interrupted${held.folder ? `; its temporary folder ${held.folder} was removed` : ''}\n`,
    );
  });
  let finished = false;
  try {
    const sandbox = await startDemoAws(io.env);
    held.sandbox = sandbox;
    const folder = mkdtempSync(join(tmpdir(), 'kms-sentinel-demo-'));
    held.folder = folder;
    const config = parseConfig(sandbox.configText, 'demo');
    const record = await openRecordFor(config, join(folder, 'kms-sentinel.db'), 'create');
    held.record = record;
    // The scan's thread gets an environment of its own: the user's AWS settings stay out, and nothing here changes.
    const aws = await composeAws(config, sandbox.env);
    held.aws = aws;
    const report = await scanAndRecord(aws, record, scanPlanFrom(config), { startedBy: 'demo' }).catch(
      (error: unknown) => {
        throw asUserError(error);
      },
    );
    stopWatching?.();
    if (format === 'table') {
      io.stdout(
        `kms-sentinel demo: scanning the built-in organization served by the AWS sandbox at ${sandbox.url}\n` +
          `config:\n${sandbox.configText.replace(/^/gm, '  ')}\n`,
      );
    }
    await printScanReport(io, format, report, record.path);
    if (format === 'table') {
      await demoEvents(io, sandbox, config, record);
      io.stdout(`Look around: kms-sentinel findings --db ${record.path}   (also: trust list, scans, audit)\n`);
    }
    finished = true;
    return 0;
  } catch (error) {
    // A tmpdir that cannot be written is the environment's fault, not a bug: say which folder.
    const code = (error as { code?: string }).code;
    if (held.folder === undefined && typeof code === 'string' && code.startsWith('E')) {
      throw new SentinelError(
        'environment',
        `cannot make the demo's temporary folder in ${tmpdir()} (${code}); set TMPDIR to a writable folder`,
      );
    }
    throw error;
  } finally {
    stopWatching?.();
    if (finished) {
      await release();
    } else {
      await cleanUp();
    }
  }
}
