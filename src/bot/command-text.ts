import { REGION_NAME } from '../config/schema.js';
import { isAccountId } from '../core/arn.js';
import { isSentinelError } from '../core/errors.js';
import { type KeyReference, parseKeyReference } from '../core/questions/key-reference.js';
import { type Party, parseParty } from '../core/questions/party.js';
import { parseTrustEntry, type TrustEntry } from '../core/trust.js';
import type { FindingStatus } from '../usecases/store-port.js';

/** What `/kms TEXT` asks for, or why it cannot be done (`problem`, said back to the caller). */
export type KmsCommand =
  | { readonly name: 'help' }
  | { readonly name: 'scan'; readonly accountId: string | undefined; readonly region: string | undefined }
  | { readonly name: 'trust'; readonly entry: TrustEntry; readonly note: string | null }
  | { readonly name: 'untrust'; readonly entry: TrustEntry }
  | { readonly name: 'trusted' }
  | { readonly name: 'findings'; readonly status: FindingStatus | 'all'; readonly accountId: string | undefined }
  | { readonly name: 'status' }
  | { readonly name: 'who'; readonly party: Party }
  | { readonly name: 'key'; readonly reference: KeyReference }
  | { readonly name: 'check' }
  | { readonly name: 'summary' }
  | { readonly name: 'usage'; readonly problem: string };

export const SUBCOMMANDS = [
  'scan',
  'trust',
  'untrust',
  'trusted',
  'findings',
  'status',
  'who',
  'key',
  'help',
  'check',
  'summary',
] as const;

/** The longest piece of someone's text quoted back to them. */
const QUOTE = 40;
const MAX_NOTE = 500;
const STATUSES = ['open', 'acknowledged', 'resolved', 'all'] as const;

/**
 * Reads the text after `/kms`. Every piece is checked as the CLI checks it; text Slack turned into a link, a mention
 * or a channel (`<https://…|…>`, `<@U…>`, `<#C…>`) is refused with a reply that says so, since what it stood for is
 * not what was typed.
 */
export function parseKmsCommand(text: string): KmsCommand {
  // A word typed in backticks (so that Slack leaves it alone) counts as that word.
  const words = text
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/^`+|`+$/g, ''))
    .filter((w) => w !== '');
  const [first, ...rest] = words;
  if (first === undefined) return { name: 'help' };
  const formatted = words.find((w) => /^<.*>$/.test(w) || w.startsWith('<'));
  if (formatted !== undefined) return usage(slackFormatted(formatted));
  const name = first.toLowerCase();
  switch (name) {
    case 'help':
      return rest.length === 0 ? { name: 'help' } : usage(`help takes nothing after it, not ${quote(rest[0])}`);
    case 'trusted':
    case 'status':
    case 'check':
    case 'summary':
      return rest.length === 0 ? { name } : usage(`${name} takes nothing after it, not ${quote(rest[0])}`);
    case 'scan':
      return scan(rest);
    case 'trust':
      return trust(rest);
    case 'untrust':
      return untrust(rest);
    case 'findings':
      return findings(rest);
    case 'who':
      return question('who', 'an account ID, a principal ARN or an organization ID (o-…)', rest, (t) => ({
        name: 'who',
        party: parseParty(t),
      }));
    case 'key':
      return question('key', 'a key ARN, a key ID or an alias', rest, (t) => ({
        name: 'key',
        reference: parseKeyReference(t),
      }));
    default:
      return usage(`${quote(first)} is not a /kms command`);
  }
}

function scan(args: readonly string[]): KmsCommand {
  let accountId: string | undefined;
  let region: string | undefined;
  for (const arg of args) {
    if (isAccountId(arg) && accountId === undefined) accountId = arg;
    else if (REGION_NAME.test(arg) && region === undefined) region = arg;
    else if (/^\d+$/.test(arg)) return usage(`${quote(arg)} is not a 12-digit AWS account ID`);
    else if (isAccountId(arg) || REGION_NAME.test(arg))
      return usage('scan takes at most one account ID and one region');
    else return usage(`${quote(arg)} is neither a 12-digit account ID nor a region name such as us-east-1`);
  }
  return { name: 'scan', accountId, region };
}

function trust(args: readonly string[]): KmsCommand {
  const [entry, ...note] = args;
  if (entry === undefined) return usage('trust needs an account ID, an ARN or an organization ID (o-…)');
  const parsed = entryOf(entry);
  if (typeof parsed === 'string') return usage(parsed);
  const text = note.join(' ');
  if (text.length > MAX_NOTE) return usage(`the note is ${text.length} characters long; keep it to ${MAX_NOTE}`);
  return { name: 'trust', entry: parsed, note: text === '' ? null : text };
}

function untrust(args: readonly string[]): KmsCommand {
  const [entry, ...rest] = args;
  if (entry === undefined) return usage('untrust needs an account ID, an ARN or an organization ID (o-…)');
  if (rest.length > 0) return usage(`untrust takes one entry, not ${quote(rest[0])} after it`);
  const parsed = entryOf(entry);
  return typeof parsed === 'string' ? usage(parsed) : { name: 'untrust', entry: parsed };
}

function findings(args: readonly string[]): KmsCommand {
  let status: FindingStatus | 'all' | undefined;
  let accountId: string | undefined;
  for (const arg of args) {
    const word = arg.toLowerCase();
    if ((STATUSES as readonly string[]).includes(word) && status === undefined) status = word as FindingStatus | 'all';
    else if (isAccountId(arg) && accountId === undefined) accountId = arg;
    else if (/^\d+$/.test(arg)) return usage(`${quote(arg)} is not a 12-digit AWS account ID`);
    else return usage(`findings takes a status (${STATUSES.join(', ')}) and an account ID, not ${quote(arg)}`);
  }
  return { name: 'findings', status: status ?? 'open', accountId };
}

/** `who` and `key`: one argument, read by the CLI's rules; what is wrong with it, said back. */
function question(name: string, what: string, args: readonly string[], read: (text: string) => KmsCommand): KmsCommand {
  const [text, ...rest] = args;
  if (text === undefined) return usage(`${name} needs ${what}`);
  if (rest.length > 0) return usage(`${name} takes one argument, not ${quote(rest[0])} after it`);
  try {
    return read(text);
  } catch (error) {
    if (!isSentinelError(error)) throw error;
    return usage(error.message);
  }
}

/** A trust entry, or what is wrong with it (the same rules as the CLI's). */
function entryOf(text: string): TrustEntry | string {
  try {
    return parseTrustEntry(text);
  } catch (error) {
    if (!isSentinelError(error)) throw error;
    if (/^\d+$/.test(text)) return `${quote(text)} is not a 12-digit AWS account ID`;
    return `${quote(text)} is not an account ID (111122223333), a principal ARN (arn:aws:iam::111122223333:role/Name) or an organization ID (o-abcd123456)`;
  }
}

function slackFormatted(word: string): string {
  const inner = word.replace(/^<|>$/g, '');
  const kind = inner.startsWith('@')
    ? 'a mention'
    : inner.startsWith('#')
      ? 'a channel'
      : inner.startsWith('!')
        ? 'a special mention'
        : 'a link';
  const label = inner.includes('|') ? inner.slice(inner.indexOf('|') + 1) : undefined;
  const hint =
    label !== undefined ? `; type it so that Slack leaves it as text (for example in backticks): ${quote(label)}` : '';
  return `Slack turned part of the command into ${kind} (${quote(word)}), so what it stands for is not what was typed${hint}`;
}

function quote(text: string | undefined): string {
  const t = text ?? '';
  return JSON.stringify(t.length > QUOTE ? `${t.slice(0, QUOTE)}…` : t);
}

function usage(problem: string): KmsCommand {
  return { name: 'usage', problem };
}
