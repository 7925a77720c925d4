import { parseArgs } from 'node:util';
import { composeScan, openStore } from '../../compose.js';
import { loadConfig } from '../../config/load-config.js';
import { scanPlanFrom } from '../../config/scan-plan-from-config.js';
import { REGION_NAME } from '../../config/schema.js';
import { isAccountId } from '../../core/arn.js';
import { SentinelError } from '../../core/errors.js';
import { parseTrustEntry } from '../../core/trust.js';
import { AwsCallError } from '../../usecases/aws-port.js';
import { recordScanResult } from '../../usecases/record-scan.js';
import { runScan, type ScanResult } from '../../usecases/run-scan.js';
import { importTrust, trustedEntries } from '../../usecases/trust-list.js';
import { cliActor } from '../context.js';
import { formatScanTable, type ScanRecordSummary } from '../format/scan-table.js';
import type { Io } from '../io.js';
import { readInput } from '../read-input.js';
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

Exit status: 0 nothing found and the scan complete, 1 findings, 2 bad configuration or arguments,
3 the scan was incomplete (some account, region or key could not be read), whatever else it found,
4 the database cannot be used.
`;

export const EXIT_INCOMPLETE = 3;

export async function scanCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
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
    },
  });
  if (values.help) {
    io.stdout(scanHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`scan takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const format = values.format;
  if (format !== 'json' && format !== 'table')
    throw usageError(`--format must be table or json, not ${JSON.stringify(format)}`);
  const { config } = await loadConfig({
    flag: values.config,
    env: io.env,
    exists: io.fileExists,
    readFile: (path) => readInput(path, io.readFile),
  });
  const overrides = {
    accounts: values.account,
    regions: values.region,
    roleName: values['role-name'],
    externalId: values['external-id'],
    trust: values.trust,
  };
  const checked = validateOverrides(config, overrides);
  const runOnlyTrust = overrides.trust.map(parseTrustEntry);
  const dbPath = values.db ?? checked.database;
  // A dry look still judges with the record's trust list when there is one; it writes nothing.
  const opened = values['no-store'] && !io.fileExists(dbPath) ? undefined : openStore(checked, values.db);
  try {
    let plan = scanPlanFrom(checked, overrides);
    if (opened !== undefined) {
      if (!values['no-store']) {
        opened.store.assertWritable();
        importTrust(opened.store, checked.trusted, new Date());
      }
      plan = { ...plan, trusted: [...trustedEntries(opened.store), ...runOnlyTrust] };
    }
    const progress = io.stderrIsTTY ? progressLine(io) : undefined;
    const deps = composeScan(checked, io.env, progress?.update);
    const result = await runScan(plan, deps).catch((error: unknown) => {
      throw asUserError(error);
    });
    progress?.done();
    const record =
      opened === undefined || values['no-store']
        ? undefined
        : {
            database: opened.path,
            ...recordScanResult(opened.store, result, { startedBy: cliActor(io), now: new Date(), runOnlyTrust }),
          };
    io.stdout(
      format === 'json' ? `${JSON.stringify(scanJson(result, record), null, 2)}\n` : formatScanTable(result, record),
    );
    return exitCodeOf(result);
  } finally {
    opened?.store.close();
  }
}

export function exitCodeOf(result: ScanResult): number {
  if (!result.scan.complete) return EXIT_INCOMPLETE;
  return result.findings.length > 0 ? 1 : 0;
}

export function scanJson(result: ScanResult, record?: ScanRecordSummary) {
  return {
    scan: result.scan,
    findings: result.findings,
    errors: result.errors,
    notices: result.notices,
    ...(record === undefined ? {} : { record }),
  };
}

function validateOverrides<T>(config: T, overrides: { accounts: readonly string[]; regions: readonly string[] }): T {
  for (const id of overrides.accounts) {
    if (!isAccountId(id)) throw usageError(`--account ${JSON.stringify(id)} is not a 12-digit AWS account ID`);
  }
  for (const region of overrides.regions) {
    if (!REGION_NAME.test(region))
      throw usageError(`--region ${JSON.stringify(region)} is not an AWS region name such as us-east-1`);
  }
  return config;
}

function asUserError(error: unknown): unknown {
  if (error instanceof AwsCallError) {
    return new SentinelError(
      'no-credentials',
      `cannot identify the AWS credentials (sts:GetCallerIdentity: ${error.message}); set them the usual way (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, an instance role)`,
    );
  }
  return error;
}

function progressLine(io: Io) {
  return {
    update: (p: { regionsDone: number; regionsTotal: number; keys: number }) =>
      io.stderr(`\rscanning: ${p.regionsDone}/${p.regionsTotal} account-regions, ${p.keys} keys`),
    done: () => io.stderr('\r\u001b[K'),
  };
}
