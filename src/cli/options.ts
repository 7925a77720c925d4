import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './usage-error.js';

/** The one `--format` check every command makes: the value must be one of the command's formats. */
export function formatOption<F extends string>(value: string, formats: readonly F[]): F {
  if (!(formats as readonly string[]).includes(value)) {
    throw usageError(`--format must be ${formats.join(' or ')}, not ${JSON.stringify(value)}`);
  }
  return value as F;
}

/** The largest `--limit` any listing takes. */
export const MAX_LIMIT = 100_000;

/** `--limit N`: a plain positive whole number (digits only) up to MAX_LIMIT. */
export function limitOption(text: string): number {
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > MAX_LIMIT) {
    throw usageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * Node's parseArgs, plus one rule it lacks: an option that takes one value may be given once. Given twice
 * (`--key-account A --key-account B`), parseArgs keeps the last silently, and a verdict would depend on the order.
 */
export function parseCommandLine<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
) {
  const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true, tokens: true });
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple === true) continue;
    if (seen.has(token.name)) throw usageError(`--${token.name} is given more than once; give it once`);
    seen.add(token.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}
