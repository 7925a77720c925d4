import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { messageOf, SentinelError } from '../core/errors.js';
import { positionAt } from '../core/policy/json-text.js';
import { type Config, configSchema } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'kms-sentinel.yml';

export interface ConfigSource {
  /** `--config FILE`, when given. */
  readonly flag: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists: (path: string) => boolean;
  readonly readFile: (path: string) => Promise<string>;
}

/** Finds the config file (--config, else $KMS_SENTINEL_CONFIG, else ./kms-sentinel.yml when present) and validates it. */
export async function loadConfig(source: ConfigSource): Promise<{ config: Config; path: string | undefined }> {
  if (source.flag === '') throw new SentinelError('usage', '--config needs a file name');
  // A variable set to nothing (KMS_SENTINEL_CONFIG=) is treated as unset.
  const fromEnv = source.env.KMS_SENTINEL_CONFIG || undefined;
  const path = source.flag ?? fromEnv ?? (source.exists(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  // Where the database is when the file names none (the container image points it at its /data volume).
  const defaults = { database: source.env.KMS_SENTINEL_DATABASE || undefined };
  if (path === undefined) return { config: parseConfig('{}', 'built-in defaults', defaults), path };
  if (!source.exists(path)) {
    const via = source.flag !== undefined ? '--config' : 'KMS_SENTINEL_CONFIG';
    throw new SentinelError('config-not-found', `config file ${path} (from ${via}) does not exist`);
  }
  return { config: parseConfig(await source.readFile(path), path, defaults), path };
}

/** Parses and validates config YAML. Every problem is reported at once, each naming the key and why. */
export function parseConfig(text: string, name: string, defaults: { database?: string | undefined } = {}): Config {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const [yamlError] = doc.errors;
  if (yamlError !== undefined) {
    const at = positionAt(text, yamlError.pos[0]);
    const where = ` at line ${at.line}, column ${at.column}`;
    const message = yamlError.message.split('\n')[0] ?? '';
    const why = /call stack/i.test(message) ? 'it is nested too deeply' : message;
    throw new SentinelError('invalid-config', `config ${name}: not valid YAML${where}: ${why}`);
  }
  const value = toPlainValue(doc, name) ?? {};
  if (defaults.database !== undefined && typeof value === 'object' && !Array.isArray(value) && !('database' in value)) {
    (value as Record<string, unknown>).database = defaults.database;
  }
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${pathOf(issue.path) || '(top level)'}: ${describe(issue)}`);
  throw new SentinelError('invalid-config', `config ${name} is not valid:\n${problems.join('\n')}`);
}

/** How many alias expansions a config may make: plenty for a real file, far too few for a "billion laughs" bomb. */
const MAX_ALIAS_EXPANSIONS = 100;

/**
 * The document as plain data. Expanding aliases is where YAML goes wrong: an alias to no anchor, or aliases nested to
 * expand exponentially; both are refused with what to fix, never a crash.
 */
function toPlainValue(doc: ReturnType<typeof parseDocument>, name: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const message = messageOf(error);
    const why = /excessive alias count/i.test(message)
      ? `its aliases expand too much (over ${MAX_ALIAS_EXPANSIONS} expansions, as in a "billion laughs" file); write the values out`
      : /unresolved alias|alias/i.test(message)
        ? `an alias (*name) refers to no anchor (&name): ${message.split('\n')[0]}`
        : message.split('\n')[0];
    throw new SentinelError('invalid-config', `config ${name} is not valid: ${why}`, { cause: error });
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (see docs/configuration.md for the keys this file takes)`;
  return issue.message;
}
