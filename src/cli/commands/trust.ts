import { safe } from '../../core/printable.js';
import { canonicalTrustText, parseTrustEntry } from '../../core/trust.js';
import { cliActor, configFor, withReader, withRecord } from '../context.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const trustHelp = `Usage: kms-sentinel trust add ID|ARN|o-ID [--note TEXT]
       kms-sentinel trust remove ID|ARN|o-ID
       kms-sentinel trust list [--format table|json]
Common options: --config FILE, --db FILE

Manages the trust list in the database (the source of truth once it exists; entries under "trusted:" in the config
file are added when missing, never removed). A change judges every stored key again at once: findings against a newly
trusted entry resolve, and removing an entry brings its findings back as open. No AWS call is made. "add" and
"remove" create the database when it does not exist; "list" only reads, and needs an existing database.

Exit status: 0 done, 2 bad entry or usage, or removing an entry that is not there; 4 the database cannot be used.
`;

const ACTIONS = ['add', 'remove', 'list'] as const;

export async function trustCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    note: { type: 'string' },
    format: { type: 'string' },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const [action, entry, ...rest] = positionals;
  if (values.help || action === undefined) {
    io.stdout(trustHelp);
    return values.help ? 0 : 2;
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw usageError(`unknown trust action ${JSON.stringify(action)}; use add, remove or list`);
  }
  // Everything is checked before the database is opened, so that a bad command line creates nothing.
  if (action === 'list') {
    if (entry !== undefined) throw usageError('trust list takes no entry');
    if (values.note !== undefined) throw usageError('--note goes with trust add');
    const format = formatOption(values.format ?? 'table', ['table', 'json'] as const);
    const config = await configFor(values.config, io);
    return withReader(config, values.db, (store) => {
      const records = store.listTrust();
      if (format === 'json') io.stdout(`${JSON.stringify(records, null, 2)}\n`);
      else if (records.length === 0) io.stdout("The trust list is empty: only each key's own account is trusted.\n");
      else
        for (const r of records)
          io.stdout(
            safe`${r.entry}  ${r.kind}  added by ${r.addedBy} at ${r.addedAt}${r.note ? `  (${r.note})` : ''}\n`,
          );
      return 0;
    });
  }
  if (entry === undefined) {
    throw usageError(`trust ${action} needs an entry: an account ID, ARN or organization ID`);
  }
  if (rest.length > 0) throw usageError(`trust ${action} takes one entry, but was given ${positionals.length - 1}`);
  if (values.format !== undefined) throw usageError('--format goes with trust list');
  if (action === 'remove' && values.note !== undefined) throw usageError('--note goes with trust add');
  parseTrustEntry(entry);
  const config = await configFor(values.config, io);
  return withRecord(config, values.db, 'create', async (record) => {
    const actor = cliActor(io);
    const now = new Date();
    if (action === 'add') {
      const change = await record.addTrust(entry, values.note ?? null, actor, now);
      const text = canonicalTrustText(change.entry);
      if (change.outcome === 'present') io.stdout(safe`${text} was already trusted; nothing changed.\n`);
      else if (change.outcome === 'adopted') {
        io.stdout(
          safe`${text} was trusted as a member of the organization; it is now on the list in its own right, and stays if the account leaves.\n`,
        );
      } else {
        io.stdout(safe`${text} is trusted. ${change.resolved} finding${change.resolved === 1 ? '' : 's'} resolved.\n`);
      }
      return 0;
    }
    const change = await record.removeTrust(entry, actor, now);
    io.stdout(
      safe`${change.entry.text} is no longer trusted. ${change.newFindings} finding${change.newFindings === 1 ? '' : 's'} opened again.\n`,
    );
    return 0;
  });
}
