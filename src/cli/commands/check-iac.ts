import { composeTemplateReader } from '../../compose.js';
import { isAccountId } from '../../core/arn.js';
import { SentinelError } from '../../core/errors.js';
import { iacSarif } from '../../core/iac/sarif.js';
import { parseTrustEntry } from '../../core/trust.js';
import { checkIac, type IacSource, iacExitStatus } from '../../usecases/iac/check-iac.js';
import { formatIacReport, iacJson } from '../format/iac-report.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { readInput } from '../read-input.js';
import { usageError } from '../usage-error.js';
import { packageVersion } from '../version.js';

export const checkIacHelp = `Usage: kms-sentinel check-iac FILE|DIR... [--trust ID|ARN|o-ID]... [--account ID] [--parameter NAME=VALUE]... [--format text|json|sarif] [--strict]

Judges the key policy of every KMS key that CloudFormation templates (JSON or YAML, short tags included) and
Terraform plans (terraform show -json plan.out) declare, with the same engine as check-policy. A folder is searched
for *.json, *.yaml, *.yml and *.template files (symbolic links followed); files that are neither a template nor a
plan are skipped.

Options:
  --trust ENTRY            a trusted account ID, account root ARN, principal ARN or organization ID (repeatable)
  --account ID             the account the templates deploy to: what AWS::AccountId stands for (default: the key's
                           own account)
  --parameter NAME=VALUE   a template parameter's value, over its Default (repeatable; the name as the template
                           declares it, the value among its AllowedValues)
  --format FORMAT          text (default), json, or sarif (SARIF 2.1.0, for code-scanning upload)
  --strict                 exit 2 as well when a key, or a part of a key policy that may let someone in, could not
                           be judged (an unresolvable value, a macro, a loop): see the notices

Exit status: 0 no findings, 1 findings, 2 a file that could not be read or judged, or bad usage. Without --strict,
notices (what could not be judged, and why) do not change it.
`;

const TEMPLATE_FILE = /\.(json|ya?ml|template)$/i;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.terraform']);
/** Deeper than any repository's templates sit; a bound on a walk that links could otherwise make endless. */
const MAX_FOLDER_DEPTH = 64;

export async function checkIacCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    trust: { type: 'string', multiple: true, default: [] },
    account: { type: 'string' },
    parameter: { type: 'string', multiple: true, default: [] },
    format: { type: 'string', default: 'text' },
    strict: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(checkIacHelp);
    return 0;
  }
  if (positionals.length === 0) throw usageError('check-iac takes at least one FILE or folder');
  const format = formatOption(values.format, ['text', 'json', 'sarif'] as const);
  const account = values.account;
  if (account !== undefined && !isAccountId(account)) {
    throw usageError(`--account must be a 12-digit AWS account ID, not ${JSON.stringify(account)}`);
  }
  const parameters = new Map<string, string>();
  for (const entry of values.parameter) {
    const match = /^([A-Za-z0-9]+)=(.*)$/s.exec(entry);
    if (match === null)
      throw usageError(`--parameter takes NAME=VALUE (a template parameter name), not ${JSON.stringify(entry)}`);
    parameters.set(match[1] as string, match[2] as string);
  }
  const trust = values.trust.map(parseTrustEntry);

  const sources: IacSource[] = [];
  for (const path of positionals) {
    const found = await filesUnder(path, io, 0);
    if (found === undefined) sources.push({ file: path, text: await readInput(path, io.readFile), named: true });
    else for (const file of found) sources.push(await readFound(file, io));
  }
  const report = checkIac(sources, { trust, context: { account, parameters } }, await composeTemplateReader());
  if (format === 'sarif') {
    const sarif = iacSarif(report, { name: 'kms-sentinel', version: await packageVersion(io) });
    io.stdout(`${JSON.stringify(sarif, null, 2)}\n`);
  } else if (format === 'json') {
    io.stdout(`${JSON.stringify(iacJson(report), null, 2)}\n`);
  } else {
    io.stdout(formatIacReport(report));
  }
  return iacExitStatus(report, values.strict);
}

type Found = { readonly file: string; readonly unreadable?: IacSource['unreadable'] };

/**
 * The template files under a folder, in a stable order; undefined when the path is not a folder. A subfolder that
 * cannot be listed is an error for it alone: the rest of the folder is still searched.
 */
async function filesUnder(path: string, io: Io, depth: number): Promise<Found[] | undefined> {
  let entries: readonly { name: string; directory: boolean }[] | undefined;
  try {
    entries = await io.listDirectory?.(path);
  } catch (error) {
    const unreadable = await unreadableOf(path, error);
    if (depth === 0) throw unreadable;
    return [{ file: path, unreadable: { code: unreadable.code, message: unreadable.message } }];
  }
  if (entries === undefined) return undefined;
  const files: Found[] = [];
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const child = `${path.replace(/\/+$/, '')}/${entry.name}`;
    if (entry.directory) {
      if (SKIPPED_FOLDERS.has(entry.name)) continue;
      if (depth >= MAX_FOLDER_DEPTH) {
        const message = `${child} is not searched: folders nest more than ${MAX_FOLDER_DEPTH} deep here (a loop of links?)`;
        files.push({ file: child, unreadable: { code: 'unreadable-input', message } });
      } else files.push(...((await filesUnder(child, io, depth + 1)) ?? []));
    } else if (TEMPLATE_FILE.test(entry.name)) {
      files.push({ file: child });
    }
  }
  return files;
}

/** A file found in a folder: its text, or why it cannot be read (a broken link, no permission, a FIFO). */
async function readFound(found: Found, io: Io): Promise<IacSource> {
  if (found.unreadable !== undefined) return { ...found, text: '', named: false };
  try {
    return { file: found.file, text: await readInput(found.file, io.readFile), named: false };
  } catch (error) {
    const unreadable = await unreadableOf(found.file, error);
    return {
      file: found.file,
      text: '',
      named: false,
      unreadable: { code: unreadable.code, message: unreadable.message },
    };
  }
}

/** The error as readInput words it for the path: what could not be read, and why. */
async function unreadableOf(path: string, error: unknown): Promise<SentinelError> {
  if (error instanceof SentinelError) return error;
  return readInput(path, () => Promise.reject(error)).then(
    () => new SentinelError('unreadable-input', `cannot read ${path}`),
    (mapped: unknown) =>
      mapped instanceof SentinelError ? mapped : new SentinelError('unreadable-input', `cannot read ${path}`),
  );
}
