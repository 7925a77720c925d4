import { parseKeyReference } from '../../core/questions/key-reference.js';
import { parseParty } from '../../core/questions/party.js';
import { describeKey } from '../../usecases/questions/key.js';
import { whoCanUse } from '../../usecases/questions/who.js';
import { configFor, withReader } from '../context.js';
import { keyText, whoText } from '../format/question-text.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const whoHelp = `Usage: kms-sentinel who ACCOUNT|ARN|o-ID [--format text|json] [--config FILE] [--db FILE]

Blast radius: every key the party can use, trusted or not, with the actions, how (statement Sid or grant ID), the
severity and the finding's status; by account and region, the worst first. An account ID also matches its roles,
users and sessions; a principal ARN matches that principal, the patterns and roles that cover it, and statements that
let its whole account in; an organization ID matches the statements confined to it. Keys open to anyone count for
every party. Statements confined to an organization are listed apart for an account or principal (the record does
not know who belongs to which organization), and so are keys the record cannot fully tell about.
Only reads the database (it must exist, and may be read-only): no AWS call. Says how old the record is.
`;

export const keyHelp = `Usage: kms-sentinel key ARN|KEY_ID|ALIAS [--format text|json] [--config FILE] [--db FILE]

One key from the record: every principal outside its account that can use it (trusted and untrusted), through which
statement or grant, with which actions; its findings and their history (opened, acknowledged, resolved, reopened,
remediated, undone); its remediations; when it was last read. An alias (alias/NAME, or its ARN) or a multi-Region key
ID may name several keys: each is shown. Only reads the database (it must exist, and may be read-only): no AWS call.
`;

const options = {
  format: { type: 'string', default: 'text' },
  config: { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS = ['text', 'json'] as const;

export async function whoCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, options);
  if (values.help) return help(io, whoHelp);
  const party = parseParty(onlyArgument('who', 'an account ID, a principal ARN or an organization ID', positionals));
  const format = formatOption(values.format, FORMATS);
  const config = await configFor(values.config, io);
  return withReader(config, values.db, async (reader) => {
    const now = new Date();
    const answer = await whoCanUse(reader, party, now);
    io.stdout(format === 'json' ? `${JSON.stringify({ who: answer }, null, 2)}\n` : whoText(answer, now));
    return 0;
  });
}

export async function keyCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, options);
  if (values.help) return help(io, keyHelp);
  const reference = parseKeyReference(onlyArgument('key', 'a key ARN, key ID or alias', positionals));
  const format = formatOption(values.format, FORMATS);
  const config = await configFor(values.config, io);
  return withReader(config, values.db, async (reader) => {
    const now = new Date();
    const answer = await describeKey(reader, reference, now);
    io.stdout(format === 'json' ? `${JSON.stringify({ key: answer }, null, 2)}\n` : keyText(answer, now));
    return 0;
  });
}

function onlyArgument(command: string, what: string, positionals: readonly string[]): string {
  const [first, second] = positionals;
  if (first === undefined) throw usageError(`${command} needs ${what}`);
  if (second !== undefined) throw usageError(`${command} takes one argument, not ${JSON.stringify(second)} after it`);
  return first;
}

function help(io: Io, text: string): number {
  io.stdout(text);
  return 0;
}
