import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { alertSvg } from '../../scripts/alert-svg.js';
import { configSchema } from '../../src/config/schema.js';
import { KIND_OF } from '../../src/core/errors.js';

const docs = suite('README and docs/: what the code reads is documented, and every link leads somewhere');
const ROOT = new URL('../..', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const README = read('README.md');
const CONFIGURATION = read('docs/configuration.md');
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort();

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

docs('docs/configuration.md shows every key the config schema accepts, and no other', () => {
  const block = /```yaml\n([\s\S]*?)```/.exec(CONFIGURATION);
  assert.ok(block, 'the page holds the YAML example');
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

docs('docs/configuration.md names every environment variable the code reads', () => {
  const names = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]+)\b|\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g)) {
      names.add((m[1] ?? m[2]) as string);
    }
  }
  assert.ok(names.has('SLACK_BOT_TOKEN') && names.has('KMS_SENTINEL_CONFIG'), 'the scan of the source finds variables');
  const missing = [...names].filter((name) => !CONFIGURATION.includes(`\`${name}\``)).sort();
  assert.equal(missing, [], 'every variable is named in docs/configuration.md');
});

docs("the README's first screen says what it does and gives the two commands", () => {
  const [first] = README.split('\n## ');
  assert.ok(first !== undefined && first.split('\n').length <= 24, 'the first screen is short');
  const commands = (first ?? '').indexOf('```sh\nnpm ci && npx kms-sentinel demo\nnpm test\n```');
  assert.ok(commands > 0, 'the two commands');
  const before = (first ?? '').slice(0, commands).replace(/^# .*\n/, '');
  assert.ok((before.match(/\.(\s|$)/g) ?? []).length >= 2, 'what it does, in sentences, before the commands');
});

docs('the README links to every page of docs/', () => {
  const linked = new Set([...README.matchAll(/\]\((docs\/[^)#\s]+\.md)(#[^)\s]*)?\)/g)].map((m) => m[1]));
  const missing = DOCS.map((name) => `docs/${name}`).filter((path) => !linked.has(path));
  assert.equal(missing, [], 'every docs/*.md is linked from the README');
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutCode(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = (m[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The text outside fenced code blocks, where links and headings are. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^( *)```[\s\S]*?^\1```/gm, '');
}

docs('every relative link in the README and docs/ leads to a file that exists, and to a heading there', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of ['README.md', ...DOCS.map((name) => `docs/${name}`)]) {
    const text = withoutCode(read(page));
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/i.test(target)) continue;
      checked++;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
      if (!existsSync(file)) {
        broken.push(`${page}: ${target} (no file ${relative(ROOT, file)})`);
        continue;
      }
      if (anchor !== undefined && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${page}: ${target} (no heading #${anchor} in ${relative(ROOT, file)})`);
      }
    }
  }
  assert.ok(checked > 20, `the links were found (${checked})`);
  assert.equal(broken, []);
});

docs('docs/alert.svg is the alert the bot builds today (npm run docs:alert redraws it)', () => {
  const svg = read('docs/alert.svg');
  for (const line of [
    'CRITICAL: a KMS key open to untrusted principals',
    'arn:aws:iam::123412341234:root',
    'Acknowledge',
  ]) {
    assert.ok(svg.includes(line), `the picture shows ${line}`);
  }
  assert.ok(svg === alertSvg(), 'docs/alert.svg is up to date: run npm run docs:alert');
});

docs('docs/commands.md lists every error code with its kind', () => {
  const rows = read('docs/commands.md')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  for (const [code, kind] of Object.entries(KIND_OF)) {
    const row = rows.find(
      (line) => (line.split('|')[1] ?? '').includes(`\`${code}\``) && line.includes(`| \`${kind}\``),
    );
    assert.ok(row !== undefined, `${code} is listed as ${kind}`);
  }
});

docs.run();
