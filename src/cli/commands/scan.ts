import { composeAws, peekStoredTrust } from '../../compose.js';
import { scanPlanFrom } from '../../config/scan-plan-from-config.js';
import { externalIdSchema, REGION_NAME, roleNameSchema } from '../../config/schema.js';
import { isAccountId } from '../../core/arn.js';
import { SentinelError } from '../../core/errors.js';
import { parseTrustEntry } from '../../core/trust.js';
import { AwsCallError } from '../../usecases/aws-port.js';
import { ScanAborted, scanAndRecord, scanWithoutRecord } from '../../usecases/scan-and-record.js';
import type { ScanReport } from '../../usecases/scan-types.js';
import { cliActor, configFor, withRecord } from '../context.js';
import { printScanReport } from '../format/scan-output.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { pushAfterScan } from '../security-hub-push.js';
import { usageError } from '../usage-error.js';

export const scanHelp = `Usage: kms-sentinel scan [--config FILE] [--format table|json] [overrides]

Scans every customer-managed KMS key in the configured accounts and regions, reads its key policy and grants, and
reports every principal outside the trust list that can use it. AWS credentials come from the SDK's standard chain.

Options:
  --config FILE         config file (default: $KMS_SENTINEL_CONFIG, else ./kms-sentinel.yml when present)
  --format FORMAT       table (default) or json
  --account ID          scan this account instead of the configured ones (repeatable)
  --region NAME         scan this region instead of the configured ones (repeatable)
  --role-name NAME      role to assume in each account
  --external-id ID      external ID for sts:AssumeRole
  --trust ENTRY         also trust this account ID, ARN or organization ID, for this run (repeatable)
  --db FILE             database to record the scan in (default: the config's database:)
  --no-store            do not record anything: a dry look

With securityHub.enabled, the findings the scan changed then go to Security Hub (one line about it on stderr); a
failed push is recorded and tried again at the next scan, and never changes the exit status.

Exit status: 0 nothing found and the scan complete, 1 findings, 2 bad configuration or arguments,
3 the scan was incomplete (some account, region or key could not be read), whatever else it found,
4 the database cannot be used.
`;

export const EXIT_INCOMPLETE = 3;
const EXIT_INTERRUPTED = 130;

export async function scanCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    config: { type: 'string' },
    format: { type: 'string', default: 'table' },
    account: { type: 'string', multiple: true, default: [] },
    region: { type: 'string', multiple: true, default: [] },
    'role-name': { type: 'string' },
    'external-id': { type: 'string' },
    trust: { type: 'string', multiple: true, default: [] },
    db: { type: 'string' },
    'no-store': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(scanHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`scan takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const format = formatOption(values.format, ['table', 'json'] as const);
  const config = await configFor(values.config, io);
  const overrides = {
    accounts: values.account,
    regions: values.region,
    roleName: values['role-name'],
    externalId: values['external-id'],
    trust: values.trust,
  };
  validateOverrides(overrides);
  const runOnlyTrust = overrides.trust.map(parseTrustEntry);
  const plan = scanPlanFrom(config, { roleName: overrides.roleName, externalId: overrides.externalId });
  const scope = { accounts: overrides.accounts, regions: overrides.regions };
  const progress = io.stderrIsTTY ? progressLine(io) : undefined;
  const stopping = new AbortController();
  const request = {
    startedBy: cliActor(io),
    scope,
    runOnlyTrust,
    signal: stopping.signal,
    ...(progress ? { onProgress: progress.update } : {}),
  };

  // An interrupt stops the scan: what it staged is dropped, so the record stays as it was. It is watched for before
  // the AWS parts start, so that an early Ctrl-C also ends cleanly.
  let scanning: Promise<unknown> | undefined;
  const stopWatching = io.onInterrupt?.(async () => {
    stopping.abort();
    // A scan already being recorded lands whole; one still reading is abandoned.
    const landed =
      scanning === undefined
        ? false
        : await scanning.then(
            () => true,
            () => false,
          );
    progress?.done();
    const what = values['no-store'] ? 'nothing was written' : landed ? 'the scan was recorded' : 'nothing was recorded';
    io.stderr(`kms-sentinel scan: interrupted; ${what}\n`);
  });
  const aws = await composeAws(config, io.env).catch((error: unknown) => {
    stopWatching?.();
    throw error;
  });
  // The scan's thread starts while the record opens.
  aws.scanner.warm?.();
  try {
    const run = scanAndPrint();
    scanning = run;
    return await run;
  } catch (error) {
    // Stopped by an interrupt: the interrupt's handler says so and sets the exit status.
    if (error instanceof ScanAborted) return EXIT_INTERRUPTED;
    throw error;
  } finally {
    stopWatching?.();
    await aws.close();
  }

  async function scanAndPrint(): Promise<number> {
    if (values['no-store']) {
      // A dry look judges with the record's trust list when there is one, and writes nothing, not even a WAL file.
      const stored = await peekStoredTrust(config, values.db);
      const dryPlan = { ...plan, trusted: (stored ?? config.trusted).map(parseTrustEntry) };
      const report = await userFacing(scanWithoutRecord(aws, dryPlan, request));
      return exitCodeOf(report, await printScanReport(io, format, report, undefined));
    }
    return withRecord(config, values.db, 'create', async (record) => {
      const report = await userFacing(scanAndRecord(aws, record, plan, request));
      const status = exitCodeOf(report, await printScanReport(io, format, report, record.path));
      await pushAfterScan(config, record, io);
      return status;
    });
  }

  function userFacing<T>(scan: Promise<T>): Promise<T> {
    return scan
      .catch((error: unknown) => {
        throw asUserError(error);
      })
      .finally(() => progress?.done());
  }
}

export function exitCodeOf(report: ScanReport, findings: number): number {
  if (!report.scan.complete) return EXIT_INCOMPLETE;
  return findings > 0 ? 1 : 0;
}

function validateOverrides(overrides: {
  accounts: readonly string[];
  regions: readonly string[];
  roleName: string | undefined;
  externalId: string | undefined;
}): void {
  for (const [flag, value, schema] of [
    ['--role-name', overrides.roleName, roleNameSchema],
    ['--external-id', overrides.externalId, externalIdSchema],
  ] as const) {
    const checked = value === undefined ? undefined : schema.safeParse(value);
    if (checked !== undefined && !checked.success) {
      throw usageError(`${flag} ${JSON.stringify(value)} ${checked.error.issues[0]?.message ?? 'is not valid'}`);
    }
  }
  for (const id of overrides.accounts) {
    if (!isAccountId(id)) throw usageError(`--account ${JSON.stringify(id)} is not a 12-digit AWS account ID`);
  }
  for (const region of overrides.regions) {
    if (!REGION_NAME.test(region))
      throw usageError(`--region ${JSON.stringify(region)} is not an AWS region name such as us-east-1`);
  }
}

/** A failure before any account was scanned (identifying the caller): the message says what to fix. */
export function asUserError(error: unknown): unknown {
  if (!(error instanceof AwsCallError)) return error;
  if (error.reason === 'Unreachable') {
    return new SentinelError(
      'aws-unreachable',
      `${error.message}; check the network, proxies and AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL if set`,
    );
  }
  if (error.reason === 'Timeout') {
    return new SentinelError(
      'aws-unreachable',
      `AWS STS did not answer (sts:GetCallerIdentity: ${error.message}); check the network, or raise scan.requestTimeoutSeconds`,
    );
  }
  if (error.reason === 'NoCredentials' || error.reason === 'AccessDenied' || error.reason === 'RegionNotEnabled') {
    return new SentinelError(
      'no-credentials',
      `cannot identify the AWS credentials (sts:GetCallerIdentity: ${error.message}); set them the usual way (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, an instance role)`,
    );
  }
  return new SentinelError(
    'aws-error',
    `the first AWS call failed (sts:GetCallerIdentity: ${error.message}); check the AWS settings in the environment (AWS_REGION, AWS_ENDPOINT_URL*, AWS_USE_FIPS_ENDPOINT, the profile)`,
  );
}

function progressLine(io: Io) {
  return {
    update: (p: { regionsDone: number; regionsTotal: number; keys: number }) =>
      io.stderr(`\rscanning: ${p.regionsDone}/${p.regionsTotal} account-regions, ${p.keys} keys`),
    done: () => io.stderr('\r\u001b[K'),
  };
}
