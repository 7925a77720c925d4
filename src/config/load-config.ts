import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SentinelError } from '../core/errors.js';
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
  const path =
    source.flag ??
    source.env.KMS_SENTINEL_CONFIG ??
    (source.exists(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (path === undefined) return { config: parseConfig('{}', 'built-in defaults'), path };
  if (!source.exists(path)) {
    const via = source.flag !== undefined ? '--config' : 'KMS_SENTINEL_CONFIG';
    throw new SentinelError('config-not-found', `config file ${path} (from ${via}) does not exist`);
  }
  return { config: parseConfig(await source.readFile(path), path), path };
}

/** Parses and validates config YAML. Every problem is reported at once, each naming the key and why. */
export function parseConfig(text: string, name: string): Config {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const [yamlError] = doc.errors;
  if (yamlError !== undefined) {
    const at = positionAt(text, yamlError.pos[0]);
    const where = ` at line ${at.line}, column ${at.column}`;
    throw new SentinelError(
      'invalid-config',
      `config ${name}: not valid YAML${where}: ${yamlError.message.split('\n')[0]}`,
    );
  }
  const value = doc.toJS() ?? {};
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${pathOf(issue.path) || '(top level)'}: ${describe(issue)}`);
  throw new SentinelError('invalid-config', `config ${name} is not valid:\n${problems.join('\n')}`);
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (see the README for the keys this file takes)`;
  return issue.message;
}
