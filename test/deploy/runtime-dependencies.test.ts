import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

/**
 * The image and `npm install --omit=dev` keep only `dependencies`: every package the product imports (statically or
 * with `import()`) must be one of them, or a command fails at run time with ERR_MODULE_NOT_FOUND.
 */
const runtime = suite('runtime dependencies: what src/ imports is installed without the dev dependencies');
const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"\s]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

runtime('every package src/ imports is a dependency, not a dev dependency', () => {
  const missing: string[] = [];
  for (const file of sources(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      if (/^\s*import\s+type\s/.test(match[0])) continue;
      const name = packageOf(match[1] ?? match[2] ?? '');
      if (name !== undefined && !(name in pkg.dependencies)) missing.push(`${file.slice(root.length)}: ${name}`);
    }
  }
  assert.equal([...new Set(missing)], []);
});

runtime('the SQS client the events consumer loads at run time is a dependency', () => {
  assert.ok('@aws-sdk/client-sqs' in pkg.dependencies);
  assert.not.ok('@aws-sdk/client-sqs' in (pkg.devDependencies ?? {}));
});

runtime.run();
