import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const architecture = suite('docs/architecture.md: the dependency rule holds in src/');
const ROOT = new URL('../..', import.meta.url).pathname;

/** The layer a file of src/ belongs to: its top folder, or its adapter (`adapters/aws`). */
function layerOf(path: string): string {
  const [top, second] = path.split('/').slice(1);
  if (top === 'adapters') return `adapters/${second}`;
  return (top ?? '').replace(/\.(ts|js)$/, '');
}

/** Which layers each layer may import (besides itself): the rule of docs/architecture.md. */
const MAY_IMPORT: Record<string, (layer: string) => boolean> = {
  core: () => false,
  usecases: (l) => l === 'core',
  config: (l) => l === 'core' || l === 'usecases',
  adapters: (l) => l === 'core' || l === 'usecases' || l === 'adapters/threads',
  bot: (l) => l === 'core' || l === 'usecases' || l === 'config',
  cli: (l) => l === 'core' || l === 'usecases' || l === 'config' || l === 'compose',
  compose: () => true,
  sandbox: () => false,
  demo: (l) => l === 'sandbox',
};

/** Each SDK, and the only place that imports it. */
const SDK_HOMES: [RegExp, RegExp][] = [
  [/^(@aws-sdk|@smithy)\//, /^src\/adapters\/aws\//],
  [/^better-sqlite3$/, /^src\/adapters\/store\//],
  [/^@slack\//, /^src\/adapters\/slack\//],
  [/^pino(-pretty)?$/, /^src\/adapters\/log\//],
  // The config checks a schedule with the parser that runs it.
  [/^node-cron$/, /^src\/adapters\/schedule\/|^src\/config\/cron-syntax\.ts$/],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import of a file (static, re-export, dynamic, type-only), as written. */
export function importsOf(text: string): string[] {
  const found = text.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  );
  return [...found].map((m) => (m[1] ?? m[2]) as string);
}

/** What breaks the rule: `file -> layer` or `file -> sdk`, each with why. */
export function violations(files: readonly { path: string; text: string }[]): string[] {
  const broken: string[] = [];
  for (const { path, text } of files) {
    const from = layerOf(path);
    const rule = MAY_IMPORT[from.startsWith('adapters/') ? 'adapters' : from];
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const to = layerOf(normalize(join(dirname(path), spec)));
        if (to === from || rule?.(to) === true) continue;
        broken.push(`${path} -> ${to} (${from} may not import ${to})`);
        continue;
      }
      for (const [sdk, home] of SDK_HOMES) {
        if (sdk.test(spec) && !home.test(path)) broken.push(`${path} -> ${spec} (only ${home.source} imports it)`);
      }
    }
  }
  return broken;
}

const SRC = sourceFiles(join(ROOT, 'src')).map((file) => ({
  path: relative(ROOT, file),
  text: readFileSync(file, 'utf8'),
}));

architecture('no file of src/ imports a layer above its own, or an SDK outside its adapter', () => {
  assert.ok(SRC.length > 100, 'the scan of src/ finds its files');
  assert.equal(violations(SRC), []);
});

architecture('a planted upward import, SDK import or type-only import is caught', () => {
  const planted = [
    { path: 'src/core/trust.ts', text: "import { x } from '../usecases/store-port.js';" },
    { path: 'src/usecases/acknowledge.ts', text: "import type { Bot } from '../bot/bot.js';" },
    { path: 'src/adapters/slack/errors.ts', text: "export { y } from '../../cli/run.js';" },
    { path: 'src/bot/notifier.ts', text: "const m = await import('../adapters/store/sqlite-store.js');" },
    { path: 'src/usecases/run-scan.ts', text: "import { KMSClient } from '@aws-sdk/client-kms';" },
  ];
  assert.is(violations(planted).length, planted.length, violations(planted).join('\n'));
});

architecture(
  'npm run lint enforces the rule too: Biome refuses each planted import, and passes one that keeps to it',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-layers-'));
    copyFileSync(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
    const files: Record<string, string> = {
      'src/core/upward.ts':
        "import type { RecordPort } from '../usecases/record-port.js';\nexport type P = RecordPort;\n",
      'src/usecases/sdk.ts': "import { KMSClient } from '@aws-sdk/client-kms';\nexport const k = KMSClient;\n",
      'src/adapters/slack/front-end.ts': "export { EXIT_USAGE } from '../../cli/exit-codes.js';\n",
      'src/bot/adapter.ts': "export const load = () => import('../adapters/store/sqlite-store.js');\n",
      'src/core/inward.ts': "import type { TrustEntry } from './trust.js';\nexport type T = TrustEntry;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const biome = join(ROOT, 'node_modules', '.bin', 'biome');
    const run = spawnSync(biome, ['lint', '--vcs-enabled=false', '--max-diagnostics=50', '.'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.is(run.status, 1, output);
    const refused = [...output.matchAll(/^(\S+\.ts):\d+:\d+ lint\/style\/noRestrictedImports/gm)]
      .map((m) => m[1])
      .sort();
    assert.equal(refused, [
      'src/adapters/slack/front-end.ts',
      'src/bot/adapter.ts',
      'src/core/upward.ts',
      'src/usecases/sdk.ts',
    ]);
  },
);

architecture.run();
