import { composeRemediation } from '../../compose.js';
import type { Config } from '../../config/schema.js';
import { SentinelError } from '../../core/errors.js';
import { safe } from '../../core/printable.js';
import { planDigest } from '../../core/remediation/plan.js';
import { planLines } from '../../core/remediation/render.js';
import { planFor, remediate } from '../../usecases/remediation/remediate.js';
import { undoRemediation } from '../../usecases/remediation/undo.js';
import { cliActor, configFor, withReader, withRecord } from '../context.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const remediateHelp = `Usage: kms-sentinel remediate KEY_ARN [--principal P]... [--dry-run] [--yes] [--force-managed]
                              [--reason TEXT] [--format text|json] [--config FILE] [--db FILE]

Plans the smallest change to the key's policy (and grants) that ends its findings, as the record holds the key,
prints it, and applies it after a yes: untrusted principals removed from the Allow statements that name them,
statements open to everyone narrowed with kms:CallerAccount, foreign grants revoked. The live policy is read again
first and must be what the last scan recorded; a key managed as code (CloudFormation, or a tag in
remediation.iacTags) is refused unless --force-managed; the policy as read is backed up, and can be put back with
"kms-sentinel undo". Needs remediation.enabled: true (except --dry-run), and an audit role that may call
kms:PutKeyPolicy, kms:RevokeGrant and kms:ListResourceTags. One remediation or undo of a key runs at a time, in
every process on the database (the bot included): another under way is named, and this one refused.

  --principal P      fix only this principal's findings (repeatable); default every finding of the key
  --dry-run          print the plan and change nothing
  --yes              apply without asking (without it, the command asks on a terminal, and refuses without one)

Exit status: 0 applied (or planned, with --dry-run), 1 refused or failed (the message says what was and was not
changed), 2 bad usage, 4 the database cannot be used.
`;

export const undoHelp = `Usage: kms-sentinel undo REMEDIATION_ID [--yes] [--config FILE] [--db FILE]

Puts back the key policy a remediation replaced, while the live policy is still exactly what it wrote; its findings
open again. If the policy changed since, undo refuses and prints the backup. Revoked grants cannot be restored by
AWS: undo lists them. Refused while another remediation or undo of the key is under way (it is named). An undo
that was interrupted (killed, crashed) is settled from AWS before the next remediation or undo of the key: run undo
again to have it settled, and done if it was not. Exit status: 0 undone, 1 refused, 2 bad usage, 4 the database cannot
be used.
`;

export const remediationsHelp = `Usage: kms-sentinel remediations [--format table|json] [--config FILE] [--db FILE]

Lists the remediations on record: id, key, who, when, what, and status (applying, applied, failed, undoing, undone).
`;

const REFUSED = 1;

export async function remediateCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    principal: { type: 'string', multiple: true, default: [] },
    'dry-run': { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    'force-managed': { type: 'boolean', default: false },
    reason: { type: 'string' },
    format: { type: 'string', default: 'text' },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return help(io, remediateHelp);
  const [keyArn, ...rest] = positionals;
  if (keyArn === undefined || rest.length > 0) throw usageError('remediate takes one key ARN');
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(keyArn)) {
    throw usageError(
      `${JSON.stringify(keyArn)} is not a KMS key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-…`,
    );
  }
  const format = formatOption(values.format, ['text', 'json'] as const);
  const config = await configFor(values.config, io);
  if (values['dry-run']) {
    return withReader(config, values.db, (reader) => {
      const plan = planFor(reader, keyArn, values.principal);
      if (plan === undefined)
        throw new SentinelError('not-found', `the record has no key ${keyArn}: scan its account and region first`);
      io.stdout(
        format === 'json'
          ? `${JSON.stringify({ plan }, null, 2)}\n`
          : `${planLines(plan).map(line).join('\n')}\n${plan.ok ? '' : 'This plan would be refused.\n'}`,
      );
      return plan.ok ? 0 : REFUSED;
    });
  }
  assertEnabled(config);
  return withRecord(config, values.db, 'existing', async (record) => {
    const plan = planFor(record, keyArn, values.principal);
    if (plan === undefined)
      throw new SentinelError('not-found', `the record has no key ${keyArn}: scan its account and region first`);
    if (format === 'text') io.stdout(`${planLines(plan).map(line).join('\n')}\n`);
    if (!plan.ok) {
      if (format === 'json') io.stdout(`${JSON.stringify({ outcome: 'refused', plan }, null, 2)}\n`);
      io.stderr('kms-sentinel remediate: the plan is refused (see above); nothing was changed\n');
      return REFUSED;
    }
    if (!values.yes) {
      if (io.confirm === undefined) {
        io.stderr('kms-sentinel remediate: refused: there is no terminal to confirm on; pass --yes to apply\n');
        return REFUSED;
      }
      if (!(await io.confirm('Apply this remediation?'))) {
        io.stderr('kms-sentinel remediate: not applied\n');
        return REFUSED;
      }
    }
    const parts = await composeRemediation(config, io.env, record);
    try {
      const result = await remediate(parts, {
        keyArn,
        principals: values.principal,
        actor: cliActor(io),
        reason: values.reason ?? 'kms-sentinel remediate',
        forceManaged: values['force-managed'],
        // What was printed (and confirmed) is what is applied: a plan that changed since is refused.
        reviewed: planDigest(plan),
      });
      if (format === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      if (result.outcome === 'applied') {
        if (format === 'text') io.stdout(safe`${result.message}\nUndo with: kms-sentinel undo ${result.id}\n`);
        return 0;
      }
      io.stderr(safe`kms-sentinel remediate: ${result.message}\n`);
      if (result.outcome === 'refused' && result.correctedPolicy !== undefined && format === 'text') {
        io.stdout(`Corrected policy for the template:\n${result.correctedPolicy}\n`);
      }
      return REFUSED;
    } finally {
      parts.close();
    }
  });
}

export async function undoCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    yes: { type: 'boolean', default: false },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return help(io, undoHelp);
  const [id, ...rest] = positionals;
  if (id === undefined || rest.length > 0)
    throw usageError('undo takes one remediation ID (see "kms-sentinel remediations")');
  const config = await configFor(values.config, io);
  assertEnabled(config);
  return withRecord(config, values.db, 'existing', async (record) => {
    if (!values.yes) {
      if (io.confirm === undefined) {
        io.stderr('kms-sentinel undo: refused: there is no terminal to confirm on; pass --yes to undo\n');
        return REFUSED;
      }
      if (!(await io.confirm(`Put back the key policy remediation ${id} replaced?`))) return REFUSED;
    }
    const parts = await composeRemediation(config, io.env, record);
    try {
      const result = await undoRemediation(parts, id, cliActor(io));
      if (result.outcome === 'undone') {
        io.stdout(safe`${result.message}\n`);
        return 0;
      }
      io.stderr(safe`kms-sentinel undo: ${result.message}\n`);
      if (result.backup !== undefined) io.stdout(`The backup:\n${result.backup}\n`);
      return REFUSED;
    } finally {
      parts.close();
    }
  });
}

export async function remediationsCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    format: { type: 'string', default: 'table' },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return help(io, remediationsHelp);
  if (positionals.length > 0)
    throw usageError(`remediations takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const format = formatOption(values.format, ['table', 'json'] as const);
  const config = await configFor(values.config, io);
  return withReader(config, values.db, (reader) => {
    const list = reader.remediations(1000);
    if (format === 'json') io.stdout(`${JSON.stringify({ remediations: list }, null, 2)}\n`);
    else if (list.length === 0) io.stdout('No remediations recorded.\n');
    else {
      for (const r of list) {
        const what = [
          ...r.plan.edits.map((e) =>
            e.kind === 'drop-statement'
              ? `drop "${e.statement}"`
              : e.kind === 'narrow'
                ? `narrow "${e.statement}"`
                : `remove ${e.principal}`,
          ),
          ...r.plan.revocations.map((g) => `revoke ${g.grantId}`),
        ].join(', ');
        io.stdout(safe`${r.id}  ${r.status.padEnd(8)}  ${r.startedAt}  by ${r.actor}  ${r.keyArn}  ${what}\n`);
      }
    }
    return 0;
  });
}

function assertEnabled(config: Config): void {
  if (!config.remediation.enabled) {
    throw new SentinelError(
      'usage',
      'remediation is off: set remediation.enabled: true in the config (the audit role then also needs kms:PutKeyPolicy, kms:RevokeGrant and kms:ListResourceTags); --dry-run shows a plan without it',
    );
  }
}

function help(io: Io, text: string): number {
  io.stdout(text);
  return 0;
}

function line(text: string): string {
  return safe`${text}`;
}
