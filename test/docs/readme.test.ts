import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { configSchema } from '../../src/config/schema.js';

const readme = suite('README: what the code reads is documented');
const ROOT = new URL('../..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** A section's text: from its `## ` heading to the next. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

interface ZodNode {
  _zod: { def: { type: string; [k: string]: unknown } };
}

/** Every key path the schema accepts (`a.b`, with `[]` for the elements of a list). */
function schemaPaths(node: ZodNode, prefix = ''): string[] {
  const def = node._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
    case 'prefault':
    case 'catch':
      return schemaPaths(def.innerType as ZodNode, prefix);
    case 'pipe':
      return schemaPaths(def.in as ZodNode, prefix);
    case 'array':
      return schemaPaths(def.element as ZodNode, `${prefix}[]`);
    case 'union':
      return [...new Set((def.options as ZodNode[]).flatMap((o) => schemaPaths(o, prefix)))];
    case 'object': {
      const shape = def.shape as Record<string, ZodNode>;
      return Object.entries(shape).flatMap(([key, child]) => {
        const path = prefix === '' ? key : `${prefix}.${key}`;
        const below = schemaPaths(child, path);
        return [path, ...below.filter((p) => p !== path)];
      });
    }
    default:
      return prefix === '' ? [] : [prefix];
  }
}

/** Every key path a YAML example holds. */
function examplePaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    const objects = value.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    return objects.length === 0 ? [prefix] : [...new Set(objects.flatMap((v) => examplePaths(v, `${prefix}[]`)))];
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, child]) => {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const below = examplePaths(child, path);
      return [path, ...below.filter((p) => p !== path)];
    });
  }
  return prefix === '' ? [] : [prefix];
}

readme('the configuration section shows every key the config schema accepts, and no other', () => {
  const text = section('Configuration');
  const block = /```yaml\n([\s\S]*?)```/.exec(text);
  assert.ok(block, 'the section holds the YAML example');
  const example = parse(block[1] as string) as unknown;
  // scan.rateLimits is a map of KMS operations, whose keys the example shows in a comment.
  const documented = examplePaths(example).filter((p) => !p.startsWith('scan.rateLimits.'));
  const accepted = [...new Set(schemaPaths(configSchema as unknown as ZodNode))].filter(
    (p) => !p.startsWith('scan.rateLimits.'),
  );
  const strip = (paths: string[]) => new Set(paths.map((p) => p.replace(/\[\]$/, '')));
  assert.equal([...strip(documented)].sort(), [...strip(accepted)].sort());
  assert.not.throws(() => configSchema.parse(example), 'the example is a valid config');
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

readme('the configuration section names every environment variable the code reads', () => {
  const read = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]+)\b|\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g)) {
      read.add((m[1] ?? m[2]) as string);
    }
  }
  assert.ok(read.has('SLACK_BOT_TOKEN') && read.has('KMS_SENTINEL_CONFIG'), 'the scan of the source finds variables');
  const text = section('Configuration');
  const missing = [...read].filter((name) => !text.includes(`\`${name}\``)).sort();
  assert.equal(missing, [], 'every variable is named in the configuration section');
});

readme('the first screen says what it does and gives the two commands', () => {
  const [first] = README.split('\n## ');
  assert.ok(first !== undefined && first.split('\n').length <= 24, 'the first screen is short');
  const commands = (first ?? '').indexOf('```sh\nnpm ci && npx kms-sentinel demo\nnpm test\n```');
  assert.ok(commands > 0, 'the two commands');
  const before = (first ?? '').slice(0, commands).replace(/^# .*\n/, '');
  assert.ok((before.match(/\.(\s|$)/g) ?? []).length >= 2, 'what it does, in sentences, before the commands');
});

readme('the sections come in the order a newcomer needs them', () => {
  const order = [
    'How it decides',
    'Setting up AWS',
    'Setting up Slack',
    'Running it',
    'Configuration',
    'Commands and exit codes',
    'Remediation',
    'Pointing it at LocalStack',
    'Benchmarks',
    'Contributing',
  ];
  const at = order.map((title) => README.indexOf(`\n## ${title}`));
  assert.ok(
    at.every((i) => i >= 0),
    `missing: ${order.filter((_, i) => (at[i] ?? -1) < 0).join(', ')}`,
  );
  assert.equal(
    [...at].sort((a, b) => a - b),
    at,
  );
});

readme.run();
