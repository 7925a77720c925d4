// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { type CliResult, cli } from '../helpers/cli.js';
import { unprivilegedCli } from '../helpers/cli-as-user.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { cleanKeys, withSandbox } from '../helpers/sandbox.js';

const doctor = suite<{ slack: FakeSlack }>('kms-sentinel doctor');
const ROOT = new URL('../..', import.meta.url).pathname;

const HOME = '111111111111';
const PROD = '222222222222';
const DEV = '333333333333';
const EDGE = '444444444444';
const FOUND = '555555555555';
const EXTERNAL_ID = 'sentinel-4f2a';

/** An organization of five accounts: the caller's (its management account), three listed in the config, one found. */
function world(change: (w: World) => void = () => undefined): World {
  const role = { name: 'KmsSentinelAudit', externalId: EXTERNAL_ID };
  const w: World = {
    callerAccount: HOME,
    organization: {
      id: 'o-doctor1234',
      managementAccount: HOME,
      accounts: [
        { id: HOME, name: 'security' },
        { id: PROD, name: 'prod' },
        { id: DEV, name: 'dev' },
        { id: EDGE, name: 'edge' },
        { id: FOUND, name: 'found' },
        { id: '666666666666', name: 'closing', status: 'SUSPENDED' },
      ],
    },
    accounts: [
      { id: HOME, regions: [{ name: 'us-east-1', keys: cleanKeys(HOME, 2) }] },
      { id: PROD, roles: [role], regions: [{ name: 'eu-west-1', keys: cleanKeys(PROD, 3) }] },
      { id: DEV, roles: [role], regions: [] },
      { id: EDGE, roles: [role], regions: [] },
      { id: FOUND, roles: [role], regions: [] },
    ],
  };
  change(w);
  return w;
}

const CONFIG = `
accounts:
  - { id: "${HOME}", name: security }
  - { id: "${PROD}", name: prod, channel: C0PROD }
  - { id: "${DEV}", name: dev }
  - { id: "${EDGE}", name: edge }
externalId: ${EXTERNAL_ID}
organization: { discover: true }
regions: [us-east-1, eu-west-1]
slack:
  channel: C0ALERTS
  admins: [U0ADMIN, S0ADMINS]
`;

doctor.before.each(async (context) => {
  context.slack = await new FakeSlack().start();
  context.slack.channels.set('C0ALERTS', { name: 'kms-alerts' });
  context.slack.channels.set('C0PROD', { name: 'prod-alerts', private: true });
  context.slack.groups.set('S0ADMINS', ['U0ALICE', 'U0BOB']);
});

doctor.after.each(async ({ slack }) => {
  await slack.stop();
});

interface DoctorRun extends CliResult {
  /** The check lines of the text output (the summary left out). */
  readonly lines: string[];
  readonly dir: string;
}

/**
 * Runs `kms-sentinel doctor` against a sandbox serving `w` and the fake Slack, with the config in a temp folder. The
 * database is `db` when given, else one not created yet in that folder.
 */
async function runDoctor(
  w: World,
  config: string,
  options: {
    slack?: FakeSlack;
    token?: string;
    args?: string[];
    db?: string;
    aws?: Record<string, string>;
  } = {},
): Promise<DoctorRun> {
  return withSandbox(w, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-doctor-'));
    const file = join(dir, 'kms-sentinel.yml');
    writeFileSync(file, config);
    // The AWS SDK reads the process's environment, as in a real run.
    Object.assign(process.env, options.aws);
    const env = {
      ...process.env,
      SLACK_BOT_TOKEN: options.slack === undefined ? undefined : (options.token ?? 'xoxb-test'),
      SLACK_API_URL: options.slack?.apiUrl,
    };
    const db = options.db ?? join(dir, 'data', 'kms-sentinel.db');
    const result = await cli(['doctor', '--config', file, '--db', db, ...(options.args ?? [])], '', env);
    return { ...result, lines: checkLines(result.stdout), dir };
  });
}

const checkLines = (stdout: string) => stdout.split('\n\n')[0]?.split('\n') ?? [];

/** The one line whose check title starts with `title`. */
function line(run: DoctorRun, title: string): string {
  const found = run.lines.filter((l) => l.slice(5).startsWith(title));
  assert.is(found.length, 1, `one line for ${title} in:\n${run.stdout}`);
  return found[0] as string;
}

interface DoctorJson {
  ok: boolean;
  checks: { id: string; title: string; status: string; ok: boolean; detail: string; fix: string | null }[];
}

doctor(
  'all pass: a line for every check, exit 0; the database not created yet passes and nothing is created',
  async ({ slack }) => {
    const run = await runDoctor(world(), CONFIG, { slack });
    assert.is(run.code, 0, run.stdout + run.stderr);
    assert.is(run.stderr, '');
    for (const l of run.lines) assert.match(l, /^ok {3}\S/, l);
    assert.match(line(run, 'config'), /kms-sentinel\.yml is valid/);
    assert.match(line(run, 'AWS credentials'), `arn:aws:iam::${HOME}:user/sandbox (account ${HOME})`);
    assert.match(line(run, 'AWS Organizations'), /6 accounts in o-doctor1234; 1 more to scan/);
    assert.match(line(run, `role in ${HOME} (security)`), /no role to assume/);
    assert.match(
      line(run, `role in ${PROD} (prod)`),
      `assumed arn:aws:iam::${PROD}:role/KmsSentinelAudit with the external ID`,
    );
    assert.match(line(run, `role in ${FOUND} (found)`), /assumed/, 'the discovered account is checked too');
    assert.not.match(run.stdout, /666666666666/, 'a suspended account is not scanned, so not checked');
    assert.match(line(run, `kms:ListKeys in ${HOME}`), /2 keys listed in 2 regions \(us-east-1, eu-west-1\)/);
    assert.match(line(run, `kms:ListKeys in ${PROD}`), /3 keys listed in 2 regions/);
    assert.match(line(run, 'Slack token'), /bot kms-sentinel \(UBOT\) in Test/);
    assert.match(line(run, 'Slack scopes'), /the token has all \d+ the bot needs/);
    assert.match(line(run, 'alert channel C0ALERTS'), /the bot is a member of #kms-alerts/);
    assert.match(line(run, 'alert channel C0PROD'), /#prod-alerts \(a private channel\)/);
    assert.match(line(run, 'admin user group S0ADMINS'), /resolves to 2 members/);
    assert.match(line(run, 'database writable'), /not created yet \(the first scan creates it\)/);
    assert.is(run.lines.length, 19, run.stdout);
    assert.match(run.stdout, /\n\nAll 19 checks passed\.\n$/);
    assert.equal(readdirSync(run.dir), ['kms-sentinel.yml'], 'doctor created no database and no folder');
    assert.is(slack.callsOf('chat.postMessage').length, 0, 'doctor posts nothing');
  },
);

doctor('all pass on a database a scan wrote: writable, the current schema, WAL on', async ({ slack }) => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-doctor-db-'));
  const db = join(dir, 'k.db');
  await withSandbox(world(), async () => {
    const scan = await cli(['scan', '--region', 'us-east-1', '--account', HOME, '--db', db], '', { ...process.env });
    assert.is(scan.code, 0, scan.stderr);
  });
  const run = await runDoctor(world(), CONFIG, { slack, db });
  assert.is(run.code, 0, run.stdout);
  assert.match(line(run, 'database writable'), `ok   database writable: ${db}`);
  assert.match(line(run, 'database schema'), /version \d+, the current one/);
  assert.match(line(run, 'database WAL'), /journal_mode is wal/);
  assert.equal(readdirSync(dir), ['k.db'], 'no -wal or -shm file is left behind');
});

doctor(
  'AWS failures: each account that fails is named with why and the fix; the others pass; exit 1',
  async ({ slack }) => {
    const w = world((w) => {
      const prod = w.accounts.find((a) => a.id === PROD);
      if (prod) prod.roles = [{ name: 'KmsSentinelAudit', externalId: 'another-id' }];
      const dev = w.accounts.find((a) => a.id === DEV);
      if (dev) delete dev.roles;
      const edge = w.accounts.find((a) => a.id === EDGE);
      if (edge) edge.disabledRegions = ['eu-west-1'];
    });
    const run = await runDoctor(w, CONFIG, { slack });
    assert.is(run.code, 1, run.stdout + run.stderr);
    assert.is(run.stderr, '');
    const wrongId = line(run, `role in ${PROD} (prod)`);
    assert.match(wrongId, `FAIL role in ${PROD} (prod): cannot assume arn:aws:iam::${PROD}:role/KmsSentinelAudit:`);
    assert.match(wrongId, /not authorized to perform: sts:AssumeRole/);
    assert.match(wrongId, / — fix: check that the role exists in account 222222222222, that its trust policy lets /);
    assert.match(wrongId, /its sts:ExternalId condition matches the config's externalId:/);
    assert.match(line(run, `kms:ListKeys in ${PROD}`), /^skip kms:ListKeys in 222222222222 \(prod\): needs the role$/);
    assert.match(
      line(run, `role in ${DEV} (dev)`),
      `FAIL role in ${DEV} (dev): cannot assume arn:aws:iam::${DEV}:role/`,
    );
    assert.match(line(run, `role in ${EDGE} (edge)`), /^ok {3}/);
    assert.match(
      line(run, `kms:ListKeys in ${EDGE}`),
      /^FAIL kms:ListKeys in 444444444444 \(edge\): 1 of 2 regions failed: eu-west-1: the region is not enabled for this account \(UnrecognizedClientException: .*\) — fix: enable eu-west-1 for account 444444444444 .*, or leave it out of regions:$/,
    );
    for (const ok of ['AWS credentials', `role in ${HOME}`, `kms:ListKeys in ${HOME}`, `role in ${FOUND}`, 'Slack']) {
      for (const l of run.lines.filter((x) => x.slice(5).startsWith(ok))) assert.match(l, /^ok {3}/, l);
    }
    assert.match(run.stdout, /\n\n3 of 19 checks failed, 2 skipped: fix the FAIL lines/);
  },
);

doctor('--format json: the same checks as the text, with ids and fixes, for scripts', async ({ slack }) => {
  const w = world((w) => {
    const dev = w.accounts.find((a) => a.id === DEV);
    if (dev) delete dev.roles;
  });
  const text = await runDoctor(w, CONFIG, { slack });
  const json = await runDoctor(w, CONFIG, { slack, args: ['--format', 'json'] });
  assert.is(json.code, 1);
  assert.is(text.code, 1);
  const out = JSON.parse(json.stdout) as DoctorJson;
  assert.is(out.ok, false);
  assert.equal(
    out.checks.map((c) => `${c.status === 'ok' ? 'ok  ' : c.status === 'fail' ? 'FAIL' : 'skip'} ${c.title}`),
    text.lines.map((l) => l.slice(0, l.indexOf(': '))),
  );
  const role = out.checks.find((c) => c.id === `aws.role:${DEV}`);
  assert.is(role?.status, 'fail');
  assert.is(role?.ok, false);
  assert.match(role?.fix ?? '', /check that the role exists in account 333333333333/);
  assert.equal(out.checks.find((c) => c.id === `aws.list-keys:${DEV}`)?.status, 'skip');
  const first = out.checks[0];
  assert.equal(Object.keys(first ?? {}), ['id', 'title', 'status', 'ok', 'detail', 'fix']);
  assert.is(first?.fix, null);
  assert.ok(out.checks.some((c) => c.id === 'slack.channel:C0PROD' && c.ok));
});

doctor('a region that hangs fails its account after --timeout, and doctor finishes', async ({ slack }) => {
  const w = world((w) => {
    const edge = w.accounts.find((a) => a.id === EDGE);
    if (edge) edge.hangingRegions = ['us-east-1'];
  });
  const run = await runDoctor(w, CONFIG, { slack, args: ['--timeout', '2'] });
  assert.is(run.code, 1, run.stdout);
  assert.match(
    line(run, `kms:ListKeys in ${EDGE}`),
    /^FAIL kms:ListKeys in 444444444444 \(edge\): 1 of 2 regions failed: us-east-1: no answer within 2 s — fix: check the network path to KMS in us-east-1, or give doctor more time \(--timeout\)$/,
  );
  assert.match(line(run, `kms:ListKeys in ${PROD}`), /^ok {3}/);
});

doctor(
  'regions: all: ListKeys in each region DescribeRegions shows enabled; an opt-in region left off is not checked',
  async () => {
    const w = world((w) => {
      const home = w.accounts.find((a) => a.id === HOME);
      if (home) {
        home.regions.push({ name: 'eu-west-1', keys: cleanKeys(HOME, 1) });
        home.disabledRegions = ['ap-east-1'];
      }
    });
    const run = await runDoctor(w, `accounts: [{ id: "${HOME}" }]\n`);
    assert.is(run.code, 0, run.stdout);
    const keys = line(run, `kms:ListKeys in ${HOME}`);
    assert.match(
      keys,
      /^ok {3}kms:ListKeys in 111111111111: 3 keys listed in \d+ regions \(.*eu-west-1.*us-east-1.*\)$/,
    );
    assert.not.match(keys, /ap-east-1/);
  },
);

doctor(
  'credentials that do not work: that line fails with the fix, the account checks are skipped',
  async ({ slack }) => {
    const run = await runDoctor(world(), CONFIG, { slack, aws: { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN00' } });
    assert.is(run.code, 1, run.stdout);
    assert.match(
      line(run, 'AWS credentials'),
      /^FAIL AWS credentials: sts:GetCallerIdentity failed: .* — fix: set AWS credentials/,
    );
    assert.match(line(run, 'AWS Organizations'), /^skip AWS Organizations: needs AWS credentials$/);
    assert.match(line(run, 'AWS accounts'), /^skip AWS accounts: needs AWS credentials$/);
    assert.not.match(run.stdout, /role in /);
    assert.match(line(run, 'Slack token'), /^ok {3}/, 'the Slack checks still run');
  },
);

doctor('an STS endpoint that refuses connections is said to be unreachable, not slow', async ({ slack }) => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as AddressInfo;
  closed.close();
  const run = await runDoctor(world(), CONFIG, {
    slack,
    args: ['--timeout', '20'],
    aws: { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` },
  });
  assert.is(run.code, 1, run.stdout);
  assert.match(
    line(run, 'AWS credentials'),
    /^FAIL AWS credentials: sts:GetCallerIdentity failed: cannot reach .*connection refused.* — fix: check the network/,
  );
  assert.not.match(run.stdout, /more time/);
});

doctor('Organizations refused: named with the fix; the configured accounts are still checked', async ({ slack }) => {
  const w = world((w) => {
    if (w.organization) w.organization.managementAccount = PROD;
  });
  const run = await runDoctor(w, CONFIG, { slack });
  assert.is(run.code, 1, run.stdout);
  assert.match(
    line(run, 'AWS Organizations'),
    /^FAIL AWS Organizations: organizations:ListAccounts failed: .* — fix: use credentials of the organization's management account/,
  );
  assert.match(line(run, `role in ${PROD}`), /^ok {3}/);
  assert.not.match(run.stdout, /555555555555/, 'nothing was discovered');
});

doctor(
  'Slack: a channel the bot is not in, a missing scope, an unknown admin group, each named with the fix',
  async ({ slack }) => {
    slack.channels.set('C0ALERTS', { name: 'kms-alerts', member: false });
    slack.scopes = (slack.scopes ?? []).filter((s) => s !== 'usergroups:read');
    const config = CONFIG.replace('[U0ADMIN, S0ADMINS]', '[U0ADMIN, S0ADMINS, S0GONE]');
    const run = await runDoctor(world(), config, { slack });
    assert.is(run.code, 1, run.stdout);
    assert.is(
      line(run, 'alert channel C0ALERTS'),
      'FAIL alert channel C0ALERTS: the bot is not a member of #kms-alerts — fix: invite the bot there: /invite @kms-sentinel in #kms-alerts',
    );
    assert.match(line(run, 'alert channel C0PROD'), /^ok {3}/);
    assert.match(
      line(run, 'Slack scopes'),
      /^FAIL Slack scopes: the token lacks usergroups:read — fix: add them under the app's OAuth & Permissions/,
    );
    assert.match(line(run, 'admin user group S0ADMINS'), /^ok {3}/);
    assert.match(
      line(run, 'admin user group S0GONE'),
      /^FAIL admin user group S0GONE: Slack knows no user group with this ID — fix: correct slack.admins/,
    );
    const info = slack.callsOf('conversations.info').map((c) => c.params.channel);
    assert.equal(info.sort(), ['C0ALERTS', 'C0PROD']);
  },
);

doctor('Slack: a private channel the bot is not in, a refused token, settings without a token', async ({ slack }) => {
  slack.channels.set('C0PROD', { name: 'prod-alerts', private: true, member: false });
  const hidden = await runDoctor(world(), CONFIG, { slack });
  assert.is(hidden.code, 1);
  assert.match(
    line(hidden, 'alert channel C0PROD'),
    /^FAIL alert channel C0PROD: the bot cannot see this channel: a private channel it is not in, or a wrong ID — fix: invite the bot there/,
  );

  slack.authTest = { ok: false, error: 'invalid_auth' };
  const refused = await runDoctor(world(), CONFIG, { slack });
  assert.is(refused.code, 1);
  assert.match(
    line(refused, 'Slack token'),
    /^FAIL Slack token: Slack refused SLACK_BOT_TOKEN \(auth.test: invalid_auth\) — fix: set SLACK_BOT_TOKEN/,
  );
  assert.match(line(refused, 'Slack scopes'), /^skip /);
  assert.match(line(refused, 'alert channels'), /^skip /);

  const noToken = await runDoctor(world(), CONFIG);
  assert.is(noToken.code, 1);
  assert.match(
    line(noToken, 'Slack token'),
    /^FAIL Slack token: SLACK_BOT_TOKEN is not set, but the config has Slack settings .* — fix: set SLACK_BOT_TOKEN/,
  );

  const noSlack = await runDoctor(world(), 'regions: [us-east-1]\n');
  assert.is(noSlack.code, 0, noSlack.stdout);
  assert.match(line(noSlack, 'Slack'), /^skip Slack: not configured/);
  assert.match(noSlack.stdout, /\n\n5 of 6 checks passed, 1 skipped; none failed\.\n$/);
});

doctor('an invalid or missing config: only that line, exit 2, in text and in JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-doctor-config-'));
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'regions: mars\naccounts:\n  - id: 12\n');
  const text = await cli(['doctor', '--config', bad], '', {});
  assert.is(text.code, 2, text.stderr);
  const lines = checkLines(text.stdout);
  assert.is(lines.length, 1, text.stdout);
  assert.match(
    lines[0] ?? '',
    /^FAIL config: config .*bad\.yml is not valid: accounts\[0\]\.id: an account ID must be/,
  );
  assert.match(lines[0] ?? '', /; regions: must be "all" .* — fix: correct the config file/);
  const json = await cli(['doctor', '--config', bad, '--format', 'json'], '', {});
  assert.is(json.code, 2);
  const out = JSON.parse(json.stdout) as DoctorJson;
  assert.is(out.ok, false);
  assert.equal(
    out.checks.map((c) => [c.id, c.status]),
    [['config', 'fail']],
  );
  const missing = await cli(['doctor', '--config', join(dir, 'none.yml')], '', {});
  assert.is(missing.code, 2);
  assert.match(
    missing.stdout,
    /^FAIL config: config file .*none\.yml \(from --config\) does not exist — fix: check --config/,
  );
  for (const argv of [
    ['doctor', '--format', 'xml'],
    ['doctor', '--timeout', 'soon'],
    ['doctor', 'now'],
  ]) {
    const usage = await cli(argv, '', {});
    assert.is(usage.code, 2, argv.join(' '));
    assert.match(usage.stderr, /\[usage\]/);
  }
});

/** Writes to a database behind the store's back, in a child process (better-sqlite3 stays out of the tests). */
function sqlite(path: string, statements: string): void {
  const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.exec(process.argv[2]); db.close();`;
  execFileSync(process.execPath, ['-e', script, path, statements], { cwd: ROOT });
}

async function scannedDatabase(): Promise<{ dir: string; db: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-doctor-db-'));
  const db = join(dir, 'k.db');
  await withSandbox(world(), async () => {
    const scan = await cli(['scan', '--region', 'us-east-1', '--account', HOME, '--db', db], '', { ...process.env });
    assert.is(scan.code, 0, scan.stderr);
  });
  return { dir, db };
}

doctor('a database at an older schema with WAL off: both named, with the fix; doctor changes neither', async () => {
  const { db } = await scannedDatabase();
  sqlite(db, 'PRAGMA journal_mode = DELETE; PRAGMA user_version = 1;');
  const before = readFileSync(db);
  const run = await runDoctor(world(), 'regions: [us-east-1]\n', { db });
  assert.is(run.code, 1, run.stdout);
  assert.match(line(run, 'database writable'), /^ok {3}/);
  assert.match(
    line(run, 'database schema'),
    /^FAIL database schema: version 1, written by an older kms-sentinel \(this one writes \d+\) — fix: back the file up, then run "kms-sentinel scan"/,
  );
  assert.match(
    line(run, 'database WAL'),
    /^FAIL database WAL: journal_mode is delete, not wal: .* — fix: run "kms-sentinel scan"/,
  );
  assert.ok(readFileSync(db).equals(before), 'the file is byte for byte as it was');
});

doctor('a database that cannot be made (its path runs through a file), and a file that is no database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-doctor-db-'));
  const plain = join(dir, 'plain');
  writeFileSync(plain, 'TODO: rotate the payments key\n'.repeat(200));
  const run = await runDoctor(world(), 'regions: [us-east-1]\n', { db: join(plain, 'k.db') });
  assert.is(run.code, 1, run.stdout);
  assert.match(
    line(run, 'database writable'),
    /^FAIL database writable: .*plain\/k\.db does not exist and cannot be created: .*plain is in its path but is not a folder — fix: point --db or database: elsewhere$/,
  );
  const before = readFileSync(plain);
  const notes = await runDoctor(world(), 'regions: [us-east-1]\n', { db: plain });
  assert.is(notes.code, 1, notes.stdout);
  assert.match(
    line(notes, 'database writable'),
    /^FAIL database writable: cannot use the database .*plain: it is not a kms-sentinel database or it is corrupt .* — fix: restore it from a backup/,
  );
  assert.match(line(notes, 'database schema'), /^skip database schema: needs a database that opens$/);
  assert.match(line(notes, 'database WAL'), /^skip /);
  assert.ok(readFileSync(plain).equals(before), 'the file is left as it was');
  assert.equal(readdirSync(dir), ['plain']);
});

doctor(
  'an unwritable database: a read-only file, then a read-only folder, named with the fix (as a user)',
  async () => {
    const user = unprivilegedCli();
    if (user.uid === undefined) {
      console.log(`\n  unwritable database checks as an unprivileged user not run: ${user.whyNot}`);
      return;
    }
    const { dir, db } = await scannedDatabase();
    const configDir = mkdtempSync(join(tmpdir(), 'kms-sentinel-doctor-config-'));
    chmodSync(configDir, 0o755);
    const config = join(configDir, 'kms-sentinel.yml');
    writeFileSync(config, 'regions: [us-east-1]\n', { mode: 0o644 });
    const before = readFileSync(db);
    chmodSync(db, 0o444);
    chmodSync(dir, 0o777);
    try {
      await withSandbox(world(), async () => {
        const file = await user.run(['doctor', '--config', config, '--db', db]);
        assert.is(file.code, 1, file.stdout + file.stderr);
        const lines = checkLines(file.stdout);
        assert.equal(
          lines.filter((l) => !l.startsWith('ok ') && !l.startsWith('skip Slack')),
          [
            `FAIL database writable: cannot use the database ${db}: it is read-only [EACCES] — fix: make ${db} and its folder writable by the user that runs kms-sentinel (SQLite writes -wal and -shm files beside it)`,
          ],
          file.stdout,
        );
        assert.ok(lines.some((l) => l.startsWith('ok   database schema')));

        chmodSync(db, 0o666);
        chmodSync(dir, 0o555);
        const folder = await user.run(['doctor', '--config', config, '--db', db, '--format', 'json']);
        assert.is(folder.code, 1, folder.stdout + folder.stderr);
        const out = JSON.parse(folder.stdout) as DoctorJson;
        const writable = out.checks.find((c) => c.id === 'database.writable');
        assert.is(writable?.status, 'fail');
        assert.is(writable?.detail, `cannot use the database ${db}: its folder ${dir} is read-only [EACCES]`);
        assert.match(writable?.fix ?? '', /writable by the user that runs kms-sentinel/);
        // The file still reads: only the write fails.
        assert.equal(
          out.checks.filter((c) => c.status !== 'ok').map((c) => c.id),
          ['slack', 'database.writable'],
        );
      });
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(db, 0o644);
    }
    assert.ok(readFileSync(db).equals(before), 'the file is byte for byte as it was');
    assert.equal(readdirSync(dir), ['k.db'], 'no journal or WAL file was left behind');
  },
);

doctor.run();
