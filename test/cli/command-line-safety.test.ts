// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { run } from '../../src/cli/run.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import { addTrust } from '../../src/usecases/trust-list.js';
import { type CliResult, cli } from '../helpers/cli.js';
import { deadline } from '../helpers/clock.js';
import { FOREIGN, recordScanned, scanOf, sharedKey } from '../helpers/scan-results.js';

const safety = suite('kms-sentinel: bad arguments, bad paths and hostile data');
const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const OWNER = '111111111111';
const newDir = () => mkdtempSync(join(tmpdir(), 'kms-sentinel-safety-'));
const now = new Date();

/** One line on stderr with the given exit status, nothing on stdout, no stack trace. */
function refused(result: CliResult, code: number, message: RegExp): void {
  assert.is(result.code, code, result.stderr);
  assert.is(result.stdout, '');
  assert.is(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, message);
  assert.not.match(result.stderr, /\n\s+at |internal error/);
}

/** A database holding one recorded finding (FOREIGN on a key of OWNER). */
function recordedDatabase(key: KeySnapshot = sharedKey(OWNER, 'k-1')): string {
  const path = join(newDir(), 'k.db');
  const store = new SqliteStore(path);
  recordScanned(store, scanOf([key], { id: 'scan-1', at: now }), 'test', now);
  store.close();
  return path;
}

function fingerprintIn(path: string): string {
  const store = new SqliteStore(path, 'existing');
  try {
    return store.findings({ status: 'all', accountId: undefined }, now)[0]?.fingerprint ?? '';
  } finally {
    store.close();
  }
}

safety('--limit takes a plain whole number up to 100000; anything else is exit 2 and reads nothing', async () => {
  const db = recordedDatabase();
  for (const limit of ['99999999999999999999', '1e20', '1e3', '0x10', ' 5', '5 ', '0', '-1', '1.5', '100001', '']) {
    for (const command of ['scans', 'audit']) {
      refused(
        await cli([command, `--limit=${limit}`, '--db', db]),
        2,
        /--limit must be a whole number from 1 to 100000/,
      );
    }
  }
  for (const limit of ['1', '100000']) {
    const listed = await cli(['scans', '--limit', limit, '--db', db, '--format', 'json']);
    assert.is(listed.code, 0, listed.stderr);
    assert.is(JSON.parse(listed.stdout).scans.length, 1);
  }
});

safety(
  'a --db path under a regular file, or where no folder can be made, fails at once with exit 4 naming it',
  async () => {
    const dir = newDir();
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a folder');
    for (const path of [join(file, 'x.db'), join(file, 'a', 'b', 'x.db'), '/proc/kms-sentinel-test/x.db']) {
      for (const argv of [
        ['trust', 'add', FOREIGN, '--db', path],
        ['findings', '--db', path],
        ['trust', 'list', '--db', path],
      ]) {
        // At once: not after retrying for a while (a busy timeout), which the deadline would fail.
        const result = await deadline(cli(argv), `${argv.join(' ')} failing`, 5000);
        refused(result, 4, new RegExp(path.replace(/[/.]/g, '\\$&')));
      }
    }
    assert.equal(readdirSync(dir), ['plain-file']);
  },
);

safety('commands that only read refuse a database that does not exist, and create nothing', async () => {
  const dir = newDir();
  const typo = join(dir, 'demo.bd');
  for (const argv of [
    ['findings'],
    ['scans'],
    ['audit'],
    ['trust', 'list'],
    ['ack', '0123456789abcdef0123456789abcdef', '--reason', 'r'],
  ]) {
    refused(await cli([...argv, '--db', typo]), 4, new RegExp(`no database at ${typo.replace(/[/.]/g, '\\$&')}`));
  }
  assert.equal(readdirSync(dir), []);
});

safety('a bad command line creates no file or folder, whatever the command', async () => {
  const dir = newDir();
  const db = join(dir, 'typo', 'x.db');
  const cases: [string[], RegExp][] = [
    [['trust', 'frob', FOREIGN], /unknown trust action "frob"/],
    [['trust', 'add', 'not-an-account'], /not a valid trust entry/],
    [['trust', 'add', FOREIGN, 'extra'], /takes one entry/],
    [['trust', 'add'], /needs an entry/],
    [['trust', 'list', '--format', 'xml'], /--format must be table or json, not "xml"/],
    [['trust', 'add', FOREIGN, '--format', 'json'], /--format goes with trust list/],
    [['findings', '--format', 'xml'], /--format must be table or json/],
    [['findings', '--status', 'closed'], /--status must be one of/],
    [['findings', 'stray'], /takes no arguments/],
    [['ack', 'f', '--reason', 'r', '--until', '2027-02-30'], /not a date on the calendar/],
    [['scan', '--format', 'xml'], /--format must be table or json/],
    [['scan', '--region', 'mars-1'], /not an AWS region name/],
  ];
  for (const [argv, message] of cases) refused(await cli([...argv, '--db', db]), 2, message);
  assert.equal(readdirSync(dir), []);
});

safety('ack --until takes a real calendar date or a full ISO time, in the future, in a year up to 9999', async () => {
  const db = recordedDatabase();
  const fingerprint = fingerprintIn(db);
  const bad: [string, RegExp][] = [
    ['2027-02-30', /not a date on the calendar/],
    ['2027-13-01', /not a date on the calendar/],
    ['2028-02-30', /not a date on the calendar/],
    ['99999', /not a date or time/],
    ['+275760-09-13', /not a date or time/],
    ['2027-01-01T25:00:00Z', /not a time of day/],
    ['2027-01-01T10:00:00', /not a date or time/],
    ['2027-01-01T10:00:00+15:00', /offset that does not exist/],
    ['2027-1-1', /not a date or time/],
    ['tomorrow', /not a date or time/],
    ['2001-01-01', /already past/],
    ['9999-12-31T23:00:00-05:00', /year must be 9999 or earlier/],
  ];
  for (const [until, message] of bad) {
    refused(await cli(['ack', fingerprint, '--reason', 'r', '--until', until, '--db', db]), 2, message);
  }
  const good: [string, string][] = [
    ['2099-02-28', '2099-02-28T00:00:00.000Z'],
    ['2096-02-29', '2096-02-29T00:00:00.000Z'],
    ['2099-06-01T18:30:00+02:00', '2099-06-01T16:30:00.000Z'],
    ['9999-12-31', '9999-12-31T00:00:00.000Z'],
  ];
  for (const [until, stored] of good) {
    const acked = await cli(['ack', fingerprint, '--reason', 'known', '--until', until, '--db', db]);
    assert.is(acked.code, 0, acked.stderr);
    assert.is(acked.stdout, `Acknowledged ${fingerprint} until ${stored}.\n`);
  }
  const listed = await cli(['findings', '--status', 'acknowledged', '--db', db, '--format', 'json']);
  assert.is(JSON.parse(listed.stdout).findings.length, 1, 'a year-9999 acknowledgement has not expired');
});

safety('data with control characters is escaped in every human-readable output', async () => {
  const sid = 'Share\rOK\u001b[2K\u202eevil';
  const key = sharedKey(OWNER, 'k-ctl');
  const policy = JSON.parse(key.policy as string) as { Statement: { Sid: string }[] };
  (policy.Statement[1] as { Sid: string }).Sid = sid;
  const db = recordedDatabase({ ...key, policy: JSON.stringify(policy) });
  const store = new SqliteStore(db);
  addTrust(store, '222222222222', 'note\u001b]0;title\u0007', 'cli:\rmallory', now);
  store.close();
  const outputs = [
    await cli(['findings', '--db', db]),
    await cli(['trust', 'list', '--db', db]),
    await cli(['audit', '--db', db]),
    await cli(['check-policy', '-', '--key-account', OWNER], JSON.stringify(policy)),
  ];
  for (const output of outputs) {
    assert.ok(output.stdout.length > 0, output.stderr);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
    assert.not.match(output.stdout.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202e]/, output.stdout);
  }
  assert.match(outputs[0]?.stdout ?? '', /Share\\rOK\\x1b\[2K\\u202eevil/);
  assert.match(outputs[3]?.stdout ?? '', /Share\\rOK/);
});

safety('scan --no-store creates and changes no file: not the database, not a WAL file', async () => {
  const dir = newDir();
  const empty = join(dir, 'empty.db');
  writeFileSync(empty, '');
  const recorded = recordedDatabase();
  const before = readFileSync(recorded);
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const config = join(dir, 'k.yml');
  writeFileSync(config, 'regions: [us-east-1]\nscan: { maxAttempts: 1, requestTimeoutSeconds: 2 }\n');
  for (const db of [empty, recorded, join(dir, 'absent.db')]) {
    const folder = readdirSync(join(db, '..'));
    const result = await cli(['scan', '--config', config, '--db', db, '--no-store'], '', env);
    assert.is(result.code, 2, 'the (unreachable) AWS call fails after the trust list was read');
    assert.equal(readdirSync(join(db, '..')), folder, `no file appeared beside ${db}`);
  }
  assert.is(statSync(empty).size, 0);
  assert.ok(readFileSync(recorded).equals(before));
});

safety('KMS_SENTINEL_CONFIG set to nothing is the same as unset', async () => {
  const db = recordedDatabase();
  const listed = await cli(['trust', 'list', '--db', db], '', { KMS_SENTINEL_CONFIG: '' });
  assert.is(listed.code, 0, listed.stderr);
  refused(await cli(['trust', 'list', '--db', db, '--config', '']), 2, /--config needs a file name/);
});

safety(
  'an error nobody expected is one line with exit 70; --debug or KMS_SENTINEL_DEBUG=1 adds the trace',
  async () => {
    const db = recordedDatabase();
    const failingStdout = async (argv: string[], env: Record<string, string> = {}) => {
      let stderr = '';
      const code = await run(argv, {
        stdout: () => {
          throw new TypeError('the terminal went away');
        },
        stderr: (text) => {
          stderr += text;
        },
        readFile: async () => '',
        readStdin: async () => '',
        fileExists: existsSync,
        env,
        stderrIsTTY: false,
      });
      return { code, stderr };
    };
    const plain = await failingStdout(['scans', '--db', db]);
    assert.is(plain.code, 70);
    assert.is(plain.stderr.trimEnd().split('\n').length, 1, plain.stderr);
    assert.match(plain.stderr, /internal error .*TypeError: the terminal went away.*--debug/);
    for (const debug of [
      await failingStdout(['scans', '--db', db, '--debug']),
      await failingStdout(['--debug', 'scans', '--db', db]),
      await failingStdout(['scans', '--db', db], { KMS_SENTINEL_DEBUG: '1' }),
    ]) {
      assert.is(debug.code, 70);
      assert.match(debug.stderr, /\n\s+at /, 'the stack trace is shown');
    }
  },
);

safety('the built CLI prints no stack trace for a deeply nested policy or a YAML bomb', async () => {
  const dir = newDir();
  const deep = join(dir, 'deep.json');
  writeFileSync(deep, `{"Statement":[{"Effect":${'['.repeat(6000)}${']'.repeat(6000)}}]}`);
  const bomb = join(dir, 'bomb.yml');
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const [name, previous] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
  }
  lines.push('trusted: *i');
  writeFileSync(bomb, lines.join('\n'));
  const dangling = join(dir, 'dangling.yml');
  writeFileSync(dangling, 'trusted: *nope\n');
  const exec = (args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, ...args]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
  const cases: [string[], RegExp][] = [
    [
      ['check-policy', deep, '--key-account', OWNER],
      /"Effect" must be "Allow" or "Deny", not a list \[invalid-policy\]/,
    ],
    [['trust', 'list', '--config', bomb], /aliases expand too much/],
    [['trust', 'list', '--config', dangling], /refers to no anchor/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await exec(args);
    assert.is(code, 2, stderr);
    assert.match(stderr, message);
    assert.not.match(stderr, /\n\s+at /);
  }
});

safety('an interrupted demo removes its temporary folder and says so', async () => {
  const tmp = newDir();
  const created = new Promise<string>((resolve) => {
    const watcher = watch(tmp, (_event, name) => {
      if (name?.startsWith('kms-sentinel-demo-')) {
        watcher.close();
        resolve(name);
      }
    });
  });
  const child = spawn(process.execPath, [BIN, 'demo'], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const folder = await created;
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.is(code, 130, stderr);
  assert.match(stderr, new RegExp(`interrupted; its temporary folder .*${folder} was removed`));
  assert.equal(readdirSync(tmp), []);
});

safety('a database path that names no file is refused: empty, ":memory:", a device', async () => {
  const dir = newDir();
  for (const db of ['', ':memory:']) {
    for (const argv of [['trust', 'add', FOREIGN], ['findings'], ['scans']]) {
      refused(await cli([...argv, `--db=${db}`]), 2, /--db .* names no file/);
    }
  }
  const config = join(dir, 'memory.yml');
  writeFileSync(config, 'database: ":memory:"\n');
  const fromConfig = await cli(['trust', 'add', FOREIGN, '--config', config]);
  assert.is(fromConfig.code, 2);
  assert.match(fromConfig.stderr, /database: must name a file/);
  // Devices that are never regular files, whatever this process's output is redirected to.
  for (const device of ['/dev/zero', '/dev/null']) {
    refused(await cli(['trust', 'add', FOREIGN, '--db', device]), 4, /not a regular file/);
  }
});

safety(
  'a command that reads never writes: an empty file, another schema, a rollback-mode file stay as they were',
  async () => {
    const dir = newDir();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    refused(await cli(['findings', '--db', empty]), 4, /holds no kms-sentinel data/);
    assert.is(statSync(empty).size, 0);

    const older = recordedDatabase();
    const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1]);
    db.pragma('journal_mode = DELETE'); db.pragma('user_version = 3'); db.close();`;
    execFileSync(process.execPath, ['-e', script, older], { cwd: new URL('../..', import.meta.url).pathname });
    const before = readFileSync(older);
    for (const argv of [['findings'], ['scans'], ['audit'], ['trust', 'list']]) {
      refused(await cli([...argv, '--db', older]), 4, /written by an older kms-sentinel .*never upgrades it/);
    }
    assert.ok(readFileSync(older).equals(before), 'the older file is byte for byte as it was');
    assert.equal(readdirSync(join(older, '..')), ['k.db']);

    const current = recordedDatabase();
    execFileSync(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.pragma('journal_mode = DELETE'); db.close();`,
        current,
      ],
      { cwd: new URL('../..', import.meta.url).pathname },
    );
    const rollback = readFileSync(current);
    const listed = await cli(['findings', '--db', current, '--format', 'json']);
    assert.is(listed.code, 0, listed.stderr);
    assert.ok(readFileSync(current).equals(rollback), 'read in rollback mode, and left in it');
  },
);

safety('--role-name and --external-id are checked like the config checks them', async () => {
  const dir = newDir();
  const db = join(dir, 'k.db');
  refused(await cli(['scan', '--role-name', '../../x y', '--db', db]), 2, /--role-name .* must be an IAM role name/);
  for (const id of ['', 'x', 'has space']) {
    refused(await cli(['scan', `--external-id=${id}`, '--db', db]), 2, /--external-id .* must be 2 to 1224/);
  }
  assert.equal(readdirSync(dir), []);
});

safety('an option that takes one value, given twice, is refused rather than the last one winning', async () => {
  const db = recordedDatabase();
  const cases: string[][] = [
    ['check-policy', '-', '--key-account', OWNER, '--key-account', FOREIGN],
    ['findings', '--db', db, '--db', db],
    ['scans', '--format', 'json', '--format', 'table', '--db', db],
    ['ack', 'f', '--reason', 'a', '--reason', 'b', '--db', db],
  ];
  for (const argv of cases) refused(await cli(argv, '{}'), 2, /is given more than once/);
});

safety('findings names what is wrong with an unparseable policy instead of showing a bare "*"', async () => {
  const key = { ...sharedKey(OWNER, 'k-bad'), policy: '{"Statement": [}' };
  const db = recordedDatabase(key);
  const listed = await cli(['findings', '--db', db]);
  assert.is(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /policy {2}unparseable policy: invalid JSON at line 1, column 16/);
  assert.not.match(listed.stdout, /policy "null"/);
});

safety('trust add says when an entry was already there, and takes over one the organization added', async () => {
  const db = recordedDatabase();
  assert.match(
    (await cli(['trust', 'add', FOREIGN, '--db', db])).stdout,
    /999999999999 is trusted\. 1 finding resolved/,
  );
  assert.is(
    (await cli(['trust', 'add', FOREIGN, '--db', db])).stdout,
    '999999999999 was already trusted; nothing changed.\n',
  );
  const store = new SqliteStore(db);
  store.syncOrganizationTrust([parseTrustEntry('333333333333')], now);
  store.close();
  const adopted = await cli(['trust', 'add', '333333333333', '--db', db]);
  assert.match(adopted.stdout, /was trusted as a member of the organization; it is now on the list in its own right/);
  const after = new SqliteStore(db);
  after.syncOrganizationTrust([], now);
  assert.ok(
    after.listTrust().some((t) => t.entry === '333333333333'),
    'the organization leaving does not remove it',
  );
  after.close();
});

safety('an interrupted scan exits 130 and records nothing, however impatiently Ctrl-C is pressed', async () => {
  const dir = newDir();
  const db = recordedDatabase();
  const before = readFileSync(db);
  const config = join(dir, 'k.yml');
  writeFileSync(config, 'regions: [us-east-1]\nscan: { maxAttempts: 1, requestTimeoutSeconds: 60 }\n');
  const silent = createServer(() => undefined);
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as { port: number };
  const connected = once(silent, 'connection');
  const child = spawn(process.execPath, [BIN, 'scan', '--config', config, '--db', db], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_REGION: 'us-east-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  await connected;
  child.kill('SIGINT');
  child.kill('SIGINT');
  child.kill('SIGINT');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  silent.close();
  silent.closeAllConnections();
  assert.equal([code, signal], [130, null], stderr);
  assert.match(stderr, /interrupted; nothing was recorded/);
  assert.ok(readFileSync(db).equals(before));
});

safety('a demo that cannot make its folder says so with exit 2, and one with odd AWS settings still runs', async () => {
  const exec = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [BIN, 'demo', '--format', 'json'], { env: { ...process.env, ...env } }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  for (const tmp of ['/nonexistent-kms-sentinel', '/etc/passwd']) {
    const run = await exec({ TMPDIR: tmp });
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, /cannot make the demo's temporary folder .*set TMPDIR/);
  }
  for (const env of [{ AWS_USE_FIPS_ENDPOINT: 'true' }, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }]) {
    const run = await exec(env);
    assert.is(run.code, 0, run.stderr);
    assert.ok(JSON.parse(run.stdout).findings.length > 0);
  }
});

safety.run();
