import { REGION_NAME } from '../../config/schema.js';
import { isAccountId } from '../../core/arn.js';
import { safe } from '../../core/printable.js';
import type { FindingStatus } from '../../usecases/store-port.js';
import { configFor, withReader } from '../context.js';
import { describePrincipal } from '../format/finding-text.js';
import { exportFindings } from '../format/findings-export.js';
import type { Io } from '../io.js';
import { formatOption, limitOption, MAX_LIMIT, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';
import { packageVersion } from '../version.js';

export const findingsHelp = `Usage: kms-sentinel findings [--status open|acknowledged|resolved|all] [--account ID]
                           [--format table|json|csv|sarif|asff] [--hub-account ID] [--hub-region REGION]
                           [--config FILE] [--db FILE]

Lists the findings the database holds (default: open ones), each with its fingerprint, status and history, and the
CloudFormation stack that owns the key when the scan saw one (fix the key policy in its template). Only reads: the
database must exist, and may be read-only.

Formats other tools read (docs/exports.md):
  csv     a header row and one finding a row (RFC 4180); a cell a spreadsheet would run as a formula starts with '
  sarif   SARIF 2.1.0, one result a finding, the key as its logical location; acknowledged ones are suppressed
  asff    AWS Security Finding Format, BatchImportFindings' request ({"Findings": [...]}), each finding with a
          stable Id: by default addressed to the Security Hub of its key's own account and region; with
          --hub-account, every one to that account's hub in --hub-region (default securityHub.region)
`;

export const scansHelp = `Usage: kms-sentinel scans [--limit N] [--format table|json] [--config FILE] [--db FILE]

Lists the latest scans (default 20, at most ${MAX_LIMIT}): who started them, when, what they covered, and how many
findings were new, still open and resolved. Only reads: the database must exist.
`;

export const auditHelp = `Usage: kms-sentinel audit [--limit N] [--format table|json] [--config FILE] [--db FILE]

Shows the latest entries of the append-only audit log (default 50, at most ${MAX_LIMIT}): who changed what, when,
before and after. Only reads: the database must exist.
`;

const common = {
  format: { type: 'string', default: 'table' },
  config: { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STATUSES = ['open', 'acknowledged', 'resolved', 'all'];
const FORMATS = ['table', 'json'] as const;
const FINDINGS_FORMATS = ['table', 'json', 'csv', 'sarif', 'asff'] as const;

export async function findingsCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    ...common,
    status: { type: 'string', default: 'open' },
    account: { type: 'string' },
    'hub-account': { type: 'string' },
    'hub-region': { type: 'string' },
  });
  if (values.help) return help(io, findingsHelp);
  noArguments('findings', positionals);
  if (!STATUSES.includes(values.status)) throw usageError(`--status must be one of ${STATUSES.join(', ')}`);
  if (values.account !== undefined && !isAccountId(values.account)) {
    throw usageError(`--account ${JSON.stringify(values.account)} is not a 12-digit AWS account ID`);
  }
  const format = formatOption(values.format, FINDINGS_FORMATS);
  const config = await configFor(values.config, io);
  const hub = hubOption(format, values['hub-account'], values['hub-region'], config.securityHub.region);
  const version = format === 'sarif' ? await packageVersion(io) : '';
  return withReader(config, values.db, (store) => {
    const now = new Date();
    const findings = store.findings({ status: values.status as FindingStatus | 'all', accountId: values.account }, now);
    if (format === 'csv' || format === 'sarif' || format === 'asff') {
      io.stdout(exportFindings(format, findings, { version, now, hub }));
    } else if (format === 'json') {
      io.stdout(`${JSON.stringify({ findings }, null, 2)}\n`);
    } else if (findings.length === 0) {
      io.stdout(`No ${values.status === 'all' ? '' : `${values.status} `}findings.\n`);
    } else {
      for (const f of findings) {
        const via =
          f.source === 'grant'
            ? `grant ${f.grantId}`
            : f.source === 'key'
              ? 'key'
              : f.statement === null
                ? 'policy'
                : `policy "${f.statement}"`;
        const who = describePrincipal(f);
        const status =
          f.status === 'acknowledged'
            ? `acknowledged by ${f.ackBy}${f.ackUntil ? ` until ${f.ackUntil}` : ''}`
            : f.status;
        const resolved = f.resolvedAt ? `, resolved ${f.resolvedAt}: ${f.resolvedCause}` : '';
        const stack = f.stack ? ` (CloudFormation stack ${f.stack})` : '';
        io.stdout(
          safe`${f.fingerprint}  ${f.severity.toUpperCase().padEnd(8)} ${status}  ${f.accountId} ${f.region} ${f.aliases[0] ?? f.keyId}${stack}  ${via}  ${who}  ` +
            safe`(first seen ${f.firstSeen}, seen ${f.timesSeen}x${resolved})\n`,
        );
      }
    }
    return 0;
  });
}

export async function scansCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, { ...common, limit: { type: 'string', default: '20' } });
  if (values.help) return help(io, scansHelp);
  noArguments('scans', positionals);
  const format = formatOption(values.format, FORMATS);
  const limit = limitOption(values.limit);
  const config = await configFor(values.config, io);
  return withReader(config, values.db, (store) => {
    const scans = store.scans(limit);
    if (format === 'json') io.stdout(`${JSON.stringify({ scans }, null, 2)}\n`);
    else if (scans.length === 0) io.stdout('No scans recorded yet.\n');
    else {
      for (const s of scans) {
        io.stdout(
          safe`${s.startedAt}  ${s.id}  by ${s.startedBy}: ${s.accounts} accounts, ${s.regions} regions, ${s.keys} keys, ${s.errors} errors, ` +
            `${s.newFindings} new, ${s.stillOpen} still open, ${s.resolved} resolved${s.complete ? '' : ' (incomplete)'}\n`,
        );
      }
    }
    return 0;
  });
}

export async function auditCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, { ...common, limit: { type: 'string', default: '50' } });
  if (values.help) return help(io, auditHelp);
  noArguments('audit', positionals);
  const format = formatOption(values.format, FORMATS);
  const limit = limitOption(values.limit);
  const config = await configFor(values.config, io);
  return withReader(config, values.db, (store) => {
    const entries = store.audit(limit);
    if (format === 'json') io.stdout(`${JSON.stringify({ audit: entries }, null, 2)}\n`);
    else if (entries.length === 0) io.stdout('The audit log is empty.\n');
    else {
      for (const e of entries) {
        io.stdout(
          safe`${e.at}  ${e.actor}  ${e.action}  ${e.subject}  ${JSON.stringify(e.before)} -> ${JSON.stringify(e.after)}\n`,
        );
      }
    }
    return 0;
  });
}

/** `--hub-account ID [--hub-region REGION]`: the one Security Hub an ASFF export addresses (asff only). */
function hubOption(format: string, account: string | undefined, flag: string | undefined, configured?: string) {
  if (account === undefined) {
    if (flag !== undefined) throw usageError('--hub-region goes with --hub-account');
    return undefined;
  }
  const region = flag ?? configured;
  if (format !== 'asff') throw usageError('--hub-account is for --format asff');
  if (!isAccountId(account))
    throw usageError(`--hub-account ${JSON.stringify(account)} is not a 12-digit AWS account ID`);
  if (region === undefined) throw usageError('--hub-account needs --hub-region (or securityHub.region in the config)');
  if (!REGION_NAME.test(region)) throw usageError(`--hub-region ${JSON.stringify(region)} is not an AWS region name`);
  return { accountId: account, region };
}

function help(io: Io, text: string): number {
  io.stdout(text);
  return 0;
}

function noArguments(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) {
    throw usageError(`${command} takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  }
}
