// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { storeError } from '../../src/adapters/store/store-errors.js';
import { isSentinelError } from '../../src/core/errors.js';
import { acknowledge } from '../../src/usecases/acknowledge.js';
import type { Store } from '../../src/usecases/store-port.js';
import { addTrust } from '../../src/usecases/trust-list.js';
import { type CliResult, cli } from '../helpers/cli.js';
import { unprivilegedCli } from '../helpers/cli-as-user.js';
import { recordScanned, scanOf, sharedKey } from '../helpers/scan-results.js';

const faults = suite('store: a database that cannot be used, and nothing half-written');
const ROOT = new URL('../..', import.meta.url).pathname;
const OWNER = '111111111111';
const TRUSTED = '123412341234';
const NEW_ENTRY = '555566667777';
const now = new Date('2026-11-20T10:00:00Z');
const newDir = () => mkdtempSync(join(tmpdir(), 'kms-sentinel-faults-'));

/** A database holding one trust entry, in a folder of its own. */
function databaseWithOneEntry(): { dir: string; path: string } {
  const dir = newDir();
  const path = join(dir, 'k.db');
  const store = new SqliteStore(path);
  addTrust(store, TRUSTED, 'the original entry', 'cli:test', now);
  store.close();
  return { dir, path };
}

const trustOf = (path: string) => {
  const store = new SqliteStore(path);
  try {
    return store.listTrust().map((t) => t.entry);
  } finally {
    store.close();
  }
};

/** One clear line naming the file, with the CLI's exit status for an unusable database, and no stack trace. */
function assertUnusable(run: CliResult, path: string, why: RegExp) {
  assert.is(run.code, 4, run.stderr);
  assert.is(run.stdout, '');
  assert.is(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  assert.ok(run.stderr.includes(path), run.stderr);
  assert.match(run.stderr, why);
  assert.not.match(run.stderr, /\n\s+at |internal error/);
}

/** Runs the built CLI as an unprivileged user; when none can run it here, says why and runs nothing. */
async function asUnprivileged(test: (run: (argv: string[]) => Promise<CliResult>) => Promise<void>): Promise<void> {
  const user = unprivilegedCli();
  if (user.uid === undefined) {
    console.log(`\n  read-only checks as an unprivileged user not run: ${user.whyNot}`);
    return;
  }
  await test(user.run);
}

/** Reads or writes a database behind the store's back, in a child process (better-sqlite3 stays out of the tests). */
function userVersion(path: string, set?: number): number {
  const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1], { readonly: process.argv[2] === '' });
    if (process.argv[2] !== '') db.pragma('user_version = ' + Number(process.argv[2]));
    process.stdout.write(String(db.pragma('user_version', { simple: true }))); db.close();`;
  return Number(
    execFileSync(process.execPath, ['-e', script, path, set === undefined ? '' : String(set)], { cwd: ROOT }),
  );
}

/** Everything the store holds, through its own API. */
function contents(store: Store) {
  return {
    trust: store.listTrust(),
    scans: store.scans(1000),
    findings: store.findings({ status: 'all', accountId: undefined }, now),
    keys: [...store.storedKeys()],
    audit: store.audit(100_000),
    outbox: store.outbox(100_000),
  };
}

faults(
  'a read-only file in a read-only folder: a change exits 4 naming the file, and the file is left as it was',
  async () => {
    const { dir, path } = databaseWithOneEntry();
    const before = readFileSync(path);
    chmodSync(path, 0o444);
    chmodSync(dir, 0o555);
    try {
      await asUnprivileged(async (run) => {
        assertUnusable(await run(['trust', 'add', NEW_ENTRY, '--db', path]), path, /read-only/);
        // SQLite's WAL needs its shared-memory file beside the database: in a read-only folder even a read fails.
        assertUnusable(await run(['trust', 'list', '--db', path]), path, /read-only/);
      });
      assert.equal(readdirSync(dir), ['k.db'], 'no journal or WAL file was left behind');
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(path, 0o644);
    }
    assert.ok(readFileSync(path).equals(before), 'the file is byte for byte as it was');
    assert.equal(trustOf(path), [TRUSTED]);
  },
);

faults('a read-only file in a writable folder: a change exits 4, and every read works', async () => {
  const { dir, path } = databaseWithOneEntry();
  const store = new SqliteStore(path);
  recordScanned(store, scanOf([sharedKey(OWNER, 'key-a')], { id: 'scan-1', at: now }), 'test', now);
  const [finding] = store.findings({ status: 'open', accountId: undefined }, now);
  acknowledge(store, {
    fingerprint: finding?.fingerprint ?? '',
    reason: 'until the migration ends',
    until: '2026-11-21',
    actor: 'cli:alice',
    now,
  });
  store.close();
  chmodSync(path, 0o444);
  chmodSync(dir, 0o777);
  try {
    await asUnprivileged(async (run) => {
      assertUnusable(await run(['trust', 'add', NEW_ENTRY, '--db', path]), path, /read-only/);
      const list = await run(['trust', 'list', '--db', path, '--format', 'json']);
      assert.is(list.code, 0, list.stderr);
      assert.equal(
        (JSON.parse(list.stdout) as { entry: string }[]).map((t) => t.entry),
        [TRUSTED],
      );
      // The acknowledgement ended on 2026-11-21: reading shows the finding open again without writing the expiry.
      const findings = await run(['findings', '--db', path, '--format', 'json']);
      assert.is(findings.code, 0, findings.stderr);
      assert.equal(
        (JSON.parse(findings.stdout) as { findings: { status: string }[] }).findings.map((f) => f.status),
        ['open'],
      );
      for (const command of [['scans'], ['audit'], ['findings', '--status', 'all']]) {
        const read = await run([...command, '--db', path]);
        assert.is(read.code, 0, read.stderr);
      }
    });
  } finally {
    chmodSync(dir, 0o755);
    chmodSync(path, 0o644);
  }
  assert.equal(trustOf(path), [TRUSTED]);
});

faults(
  'a file that is not a database, or a damaged one: exit 4 saying so, and the file is left untouched',
  async () => {
    const dir = newDir();
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'TODO: rotate the payments key\n'.repeat(40));
    const noise = join(dir, 'noise.db');
    writeFileSync(noise, randomBytes(16_384));
    const truncated = join(dir, 'truncated.db');
    const { path: whole } = databaseWithOneEntry();
    const store = new SqliteStore(whole);
    recordScanned(
      store,
      scanOf(
        Array.from({ length: 200 }, (_, i) => sharedKey(OWNER, `key-${i}`)),
        { id: 'scan-1', at: now },
      ),
      'test',
      now,
    );
    store.close();
    copyFileSync(whole, truncated);
    truncateSync(truncated, 3 * 4096);

    for (const path of [text, noise, truncated]) {
      const before = readFileSync(path);
      for (const argv of [
        ['trust', 'list'],
        ['trust', 'add', NEW_ENTRY],
        ['findings', '--format', 'json'],
      ]) {
        assertUnusable(await cli([...argv, '--db', path]), path, /not a kms-sentinel database or it is corrupt/);
      }
      assert.ok(readFileSync(path).equals(before), `${path} is byte for byte as it was`);
    }
    assert.equal(readdirSync(dir).sort(), ['noise.db', 'notes.db', 'truncated.db'], 'no journal or WAL file was left');
  },
);

faults('a database written by a newer release: exit 4 saying so, and its schema version stays', async () => {
  const { path } = databaseWithOneEntry();
  assert.is(userVersion(path, 99), 99);
  const before = readFileSync(path);
  for (const argv of [
    ['trust', 'list'],
    ['trust', 'add', NEW_ENTRY],
    ['findings', '--format', 'json'],
  ]) {
    assertUnusable(await cli([...argv, '--db', path]), path, /written by a newer release/);
  }
  assert.ok(readFileSync(path).equals(before), 'the file is byte for byte as it was');
  assert.is(userVersion(path), 99);
});

faults('a database in a folder that does not exist yet: the folders are created', async () => {
  const path = join(newDir(), 'some', 'new', 'dir', 'k.db');
  const added = await cli(['trust', 'add', TRUSTED, '--db', path]);
  assert.is(added.code, 0, added.stderr);
  assert.ok(existsSync(path));
  const list = await cli(['trust', 'list', '--db', path, '--format', 'json']);
  assert.equal(
    (JSON.parse(list.stdout) as { entry: string }[]).map((t) => t.entry),
    [TRUSTED],
  );
});

faults('a scan that fails midway leaves the database exactly as before, and the next scan lands', () => {
  const { path } = databaseWithOneEntry();
  const store = new SqliteStore(path);
  try {
    const a = sharedKey(OWNER, 'key-a');
    const b = sharedKey(OWNER, 'key-b');
    recordScanned(store, scanOf([a, b], { id: 'scan-1', at: now }), 'test', now);
    const before = contents(store);
    assert.is(before.findings.length, 2);

    // The second scan sees key-a changed, key-b gone and key-c new; as it lands, key-a and key-c are written, then a
    // key with no state breaks the keys table's NOT NULL rule.
    const c = sharedKey(OWNER, 'key-c');
    const changedA = { ...a, aliases: ['alias/renamed'], policy: (a.policy as string).replace('kms:Decrypt', 'kms:*') };
    const broken = { ...sharedKey(OWNER, 'key-d'), keyState: null as unknown as string };
    const good = scanOf([changedA, c], { id: 'scan-2', at: new Date('2026-11-21T10:00:00Z') });
    const failing = scanOf([changedA, c, broken], { id: 'scan-2-broken', at: new Date('2026-11-21T10:00:00Z') });
    try {
      recordScanned(store, failing, 'test', new Date('2026-11-21T10:00:00Z'));
      assert.unreachable('the broken scan was recorded');
    } catch (error) {
      if (error instanceof assert.Assertion) throw error;
      // A broken key is the program's fault, not the database's: it is not reported as an unusable file.
      assert.not.ok(isSentinelError(error), String(error));
      assert.match((error as Error).message, /NOT NULL/);
    }
    assert.equal(contents(store), before);

    const next = recordScanned(store, good, 'test', new Date('2026-11-21T10:00:00Z'));
    assert.equal(next, { newFindings: 1, stillOpen: 1, resolved: 1 });
    assert.equal(
      store.scans(10).map((s) => s.id),
      ['scan-2', 'scan-1'],
    );
  } finally {
    store.close();
  }
});

faults('a process killed while it records a scan leaves the previous state intact', async () => {
  const { path } = databaseWithOneEntry();
  const store = new SqliteStore(path);
  recordScanned(
    store,
    scanOf([sharedKey(OWNER, 'key-a'), sharedKey(OWNER, 'key-b')], { id: 'scan-1', at: now }),
    'test',
    now,
  );
  const before = contents(store);
  store.close();

  // The writer records 20,000 keys of the same account and region: had it landed, key-a and key-b's findings would
  // be resolved. It is killed as soon as it says it has started.
  const writer = fork(join(ROOT, 'test/store/writer-process.ts'), ['big-scan', path, 'K', OWNER], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  writer.on('message', (message) => {
    messages.push(message);
    if (message === 'ready') writer.send('go');
    if (message === 'recording') writer.kill('SIGKILL');
  });
  const [code, signal] = (await once(writer, 'exit')) as [number | null, NodeJS.Signals | null];
  assert.equal(messages, ['ready', 'recording'], 'the writer was killed before it finished recording');
  assert.equal([code, signal], [null, 'SIGKILL']);

  const after = new SqliteStore(path);
  try {
    assert.equal(contents(after), before);
  } finally {
    after.close();
  }
});

faults("a full disk is named where it is full: the database folder, or SQLite's temporary folder", () => {
  const dbDir = mkdtempSync(join(tmpdir(), 'kms-sentinel-db-'));
  const tempDir = mkdtempSync(join(tmpdir(), 'kms-sentinel-sqlite-tmp-'));
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const before = process.env.SQLITE_TMPDIR;
  process.env.SQLITE_TMPDIR = tempDir;
  try {
    const path = join(dbDir, 'k.db');
    const onlyTempFull = (folder: string) => (folder === tempDir ? 4096 : 50e9);
    const message = (storeError(path, full, onlyTempFull) as Error).message;
    assert.match(message, new RegExp(`SQLite's temporary folder ${tempDir} is full`));
    assert.match(message, /SQLITE_TMPDIR/);
    const bothFull = () => 4096;
    assert.match((storeError(path, full, bothFull) as Error).message, /the disk is full \[SQLITE_FULL\]/);
    const onlyDbFull = (folder: string) => (folder === tempDir ? 50e9 : 4096);
    assert.match((storeError(path, full, onlyDbFull) as Error).message, /cannot use the database .*: the disk is full/);
  } finally {
    if (before === undefined) delete process.env.SQLITE_TMPDIR;
    else process.env.SQLITE_TMPDIR = before;
  }
});

faults.run();
