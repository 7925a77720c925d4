import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/cli.js';

const version = suite('kms-sentinel --version');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

version('prints the name and the version package.json gives, and exits 0', async () => {
  const result = await cli(['--version']);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, `kms-sentinel ${pkg.version}\n`);
  assert.is(result.stderr, '');
});

version('--debug changes nothing; the main help mentions --version', async () => {
  assert.is((await cli(['--debug', '--version'])).stdout, `kms-sentinel ${pkg.version}\n`);
  assert.match((await cli(['--help'])).stdout, /kms-sentinel --version/);
});

version('is the option itself, not a command: "version" is still an unknown command', async () => {
  const result = await cli(['version']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /unknown command "version"/);
});

version.run();
