import { parseArgs } from 'node:util';
import { openStore } from '../../compose.js';
import { isAccountId } from '../../core/arn.js';
import type { FindingStatus } from '../../usecases/store-port.js';
import { configFor } from '../context.js';
import type { Io } from '../io.js';
import { usageError } from '../usage-error.js';

export const findingsHelp = `Usage: kms-sentinel findings [--status open|acknowledged|resolved|all] [--account ID] [--format table|json]
                           [--config FILE] [--db FILE]

Lists the findings the database holds (default: open ones), each with its fingerprint, status and history.
`;

export const scansHelp = `Usage: kms-sentinel scans [--limit N] [--format table|json] [--config FILE] [--db FILE]

Lists the latest scans: who started them, when, what they covered, and how many findings were new, still open and
resolved.
`;

export const auditHelp = `Usage: kms-sentinel audit [--limit N] [--format table|json] [--config FILE] [--db FILE]

Shows the latest entries of the append-only audit log: who changed what, when, before and after.
`;

const common = {
  format: { type: 'string', default: 'table' },
  config: { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STATUSES = ['open', 'acknowledged', 'resolved', 'all'];

export async function findingsCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...common, status: { type: 'string', default: 'open' }, account: { type: 'string' } },
  });
  if (values.help) return help(io, findingsHelp);
  if (!STATUSES.includes(values.status)) throw usageError(`--status must be one of ${STATUSES.join(', ')}`);
  if (values.account !== undefined && !isAccountId(values.account)) {
    throw usageError(`--account ${JSON.stringify(values.account)} is not a 12-digit AWS account ID`);
  }
  checkFormat(values.format);
  const { store } = openStore(await configFor(values.config, io), values.db);
  try {
    const findings = store.findings(
      { status: values.status as FindingStatus | 'all', accountId: values.account },
      new Date(),
    );
    if (values.format === 'json') {
      io.stdout(`${JSON.stringify({ findings }, null, 2)}\n`);
    } else if (findings.length === 0) {
      io.stdout(`No ${values.status === 'all' ? '' : `${values.status} `}findings.\n`);
    } else {
      for (const f of findings) {
        const via = f.source === 'grant' ? `grant ${f.grantId}` : `policy "${f.statement}"`;
        const status =
          f.status === 'acknowledged'
            ? `acknowledged by ${f.ackBy}${f.ackUntil ? ` until ${f.ackUntil}` : ''}`
            : f.status;
        io.stdout(
          `${f.fingerprint}  ${f.severity.toUpperCase().padEnd(8)} ${status}  ${f.accountId} ${f.region} ${f.aliases[0] ?? f.keyId}  ${via}  ${f.principal}  ` +
            `(first seen ${f.firstSeen}, seen ${f.timesSeen}x${f.resolvedAt ? `, resolved ${f.resolvedAt}: ${f.resolvedCause}` : ''})\n`,
        );
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

export async function scansCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { ...common, limit: { type: 'string', default: '20' } } });
  if (values.help) return help(io, scansHelp);
  checkFormat(values.format);
  const { store } = openStore(await configFor(values.config, io), values.db);
  try {
    const scans = store.scans(limitOf(values.limit));
    if (values.format === 'json') io.stdout(`${JSON.stringify({ scans }, null, 2)}\n`);
    else if (scans.length === 0) io.stdout('No scans recorded yet.\n');
    else {
      for (const s of scans) {
        io.stdout(
          `${s.startedAt}  ${s.id}  by ${s.startedBy}: ${s.accounts} accounts, ${s.regions} regions, ${s.keys} keys, ${s.errors} errors, ` +
            `${s.newFindings} new, ${s.stillOpen} still open, ${s.resolved} resolved${s.complete ? '' : ' (incomplete)'}\n`,
        );
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

export async function auditCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { ...common, limit: { type: 'string', default: '50' } } });
  if (values.help) return help(io, auditHelp);
  checkFormat(values.format);
  const { store } = openStore(await configFor(values.config, io), values.db);
  try {
    const entries = store.audit(limitOf(values.limit));
    if (values.format === 'json') io.stdout(`${JSON.stringify({ audit: entries }, null, 2)}\n`);
    else if (entries.length === 0) io.stdout('The audit log is empty.\n');
    else {
      for (const e of entries) {
        io.stdout(
          `${e.at}  ${e.actor}  ${e.action}  ${e.subject}  ${JSON.stringify(e.before)} -> ${JSON.stringify(e.after)}\n`,
        );
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

function help(io: Io, text: string): number {
  io.stdout(text);
  return 0;
}

function checkFormat(format: string): void {
  if (format !== 'table' && format !== 'json')
    throw usageError(`--format must be table or json, not ${JSON.stringify(format)}`);
}

function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw usageError(`--limit must be a positive whole number, not ${JSON.stringify(text)}`);
  return n;
}
