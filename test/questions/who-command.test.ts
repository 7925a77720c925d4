import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { cli } from '../helpers/cli.js';
import {
  ALICE_SESSION,
  BOB,
  CI_ROLE,
  FOREIGN,
  KEYS,
  NOBODY,
  ORG,
  PARTNER,
  PROD,
  questionsConfig,
  questionsWorld,
  READER_ROLE,
  STAGING,
} from '../helpers/questions-world.js';
import { keyId, sharedWith, withSandbox } from '../helpers/sandbox.js';

interface Way {
  keyId: string;
  accountId: string;
  region: string;
  principal: string;
  statement: string | null;
  grantId: string | null;
  actions: string[];
  severity: string;
  trusted: boolean;
  reach: string;
  finding: { status: string; fingerprint: string } | null;
}
interface Who {
  trustedAs: string[];
  record: { lastScan: { id: string } | null };
  keysInRecord: number;
  places: { accountId: string; region: string; ways: Way[] }[];
  ways: number;
  keys: number;
  ifMember: Way[];
  blindKeys: { keyId: string; blind: string[] }[];
}

const who = suite<{ run: (...args: string[]) => ReturnType<typeof cli>; db: string }>(
  'kms-sentinel who: every key a party can use, from the record alone',
);

who.before(async (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-who-'));
  writeFileSync(join(dir, 'k.yml'), questionsConfig());
  context.db = join(dir, 'k.db');
  const base = ['--config', join(dir, 'k.yml'), '--db', context.db];
  context.run = (...args: string[]) => cli([...args, ...base], '', process.env);
  // The record comes from a real scan of the sandbox; the questions are then asked with AWS gone.
  const sandbox = await startSandbox(questionsWorld());
  const restore = pointSdkAt({ ...sandbox.env, AWS_EC2_METADATA_DISABLED: 'true' });
  try {
    const scan = await context.run('scan');
    assert.is(scan.code, 3, scan.stderr);
  } finally {
    restore();
    await sandbox.stop();
  }
});

async function ask(run: (...args: string[]) => ReturnType<typeof cli>, party: string): Promise<Who> {
  const result = await run('who', party, '--format', 'json');
  assert.is(result.code, 0, result.stderr);
  return JSON.parse(result.stdout).who as Who;
}

const ways = (a: Who) => a.places.flatMap((p) => p.ways);
const summary = (list: Way[]) => list.map((w) => `${w.keyId} ${w.statement ?? w.grantId} ${w.reach}`).sort();

who(
  'an untrusted account: its root, roles, users, sessions and patterns, public keys, by place, worst first',
  async ({ run }) => {
    const a = await ask(run, FOREIGN);
    assert.equal(a.trustedAs, []);
    assert.equal(
      summary(ways(a)),
      [
        `${KEYS.backup} Backup named`,
        `${KEYS.ci} CiRoles member`,
        `${KEYS.payments} Shared named`,
        `${KEYS.payments} g-bob member`,
        `${KEYS.reader} ReaderRole member`,
        `${KEYS.reports} Anyone anyone`,
        `${KEYS.session} AliceSession member`,
        `${KEYS.stagingCi} CI named`,
      ].sort(),
    );
    assert.equal([a.ways, a.keys], [8, 7]);
    assert.equal(
      a.places.map((p) => `${p.accountId}/${p.region}`),
      [`${PROD}/us-east-1`, `${PROD}/eu-west-1`, `${STAGING}/us-east-1`],
      'the place with the critical (public) key first',
    );
    assert.is(a.places[0]?.ways[0]?.keyId, KEYS.reports, 'worst first within a place');
    assert.ok(ways(a).every((w) => !w.trusted && w.finding?.status === 'open'));
    const bob = ways(a).find((w) => w.grantId === 'g-bob');
    assert.equal([bob?.principal, bob?.actions], [BOB, ['kms:Decrypt', 'kms:GenerateDataKey']]);
    assert.equal(summary(a.ifMember), [`${KEYS.org} OrgWide if-member`], 'org-confined: listed apart');
    assert.equal(
      a.blindKeys.map((k) => [k.keyId, k.blind]),
      [[KEYS.locked, ['never-read']]],
    );
    assert.is(a.keysInRecord, 10);

    const text = (await run('who', FOREIGN)).stdout;
    assert.match(text, /^Who is account 999999999999: not on the trust list\./);
    assert.match(text, /From the record, no AWS call: .*latest scan .* \(incomplete\) finished /);
    assert.match(text, /account 999999999999 can use 7 keys, 8 ways in \(0 trusted\):/);
    assert.match(
      text,
      /CRITICAL {2}alias\/reports .* \* \(anyone\) {2}via statement "Anyone" {2}kms:Decrypt, kms:Encrypt {2}open/,
    );
    assert.match(text, /arn:aws:iam::999999999999:user\/bob \(one of its principals\) {2}via grant g-bob/);
    assert.match(
      text,
      /Only if account 999999999999 belongs to the organization named[^\n]*\n {2}HIGH .* o-partnerorg1/,
    );
    assert.match(text, /Keys the record cannot fully tell about[^\n]*\n {2}222222222222 us-east-1 .*never read it/);
    assert.ok(
      text.indexOf(`${PROD} us-east-1`) < text.indexOf(`${PROD} eu-west-1`) &&
        text.indexOf(`${PROD} eu-west-1`) < text.indexOf(`${STAGING} us-east-1`),
      'grouped by account and region',
    );
  },
);

who('a trusted account: its ways in are there, marked trusted; what is open to anyone is not', async ({ run }) => {
  const a = await ask(run, PARTNER);
  assert.equal(a.trustedAs, [PARTNER]);
  assert.equal(
    ways(a).map((w) => [w.keyId, w.trusted, w.finding?.status ?? null]),
    [
      [KEYS.reports, false, 'open'],
      [KEYS.partner, true, null],
      [KEYS.stagingCi, true, null],
    ],
  );
  assert.match(
    (await run('who', PARTNER)).stdout,
    /trusted \(777788889999\)[\s\S]*3 ways in \(2 trusted\)[\s\S]* trusted/,
  );
});

who(
  'a role: itself, its sessions, statements letting its whole account in, public keys; not its peers',
  async ({ run }) => {
    const a = await ask(run, READER_ROLE);
    assert.equal(
      summary(ways(a)),
      [
        `${KEYS.backup} Backup account`,
        `${KEYS.payments} Shared account`,
        `${KEYS.reader} ReaderRole named`,
        `${KEYS.reports} Anyone anyone`,
        `${KEYS.session} AliceSession member`,
        `${KEYS.stagingCi} CI account`,
      ].sort(),
      "bob's grant and the ci-* pattern do not reach it",
    );
    const session = await ask(run, ALICE_SESSION);
    assert.ok(summary(ways(session)).includes(`${KEYS.reader} ReaderRole member`), 'a session gets what its role gets');
    assert.ok(summary(ways(session)).includes(`${KEYS.session} AliceSession named`));
    const ci = await ask(run, CI_ROLE);
    assert.ok(summary(ways(ci)).includes(`${KEYS.ci} CiRoles member`), 'an aws:PrincipalArn pattern that matches it');
    assert.not.ok(summary(ways(ci)).some((w) => w.startsWith(KEYS.reader)));
    assert.equal(
      summary((await ask(run, BOB)).places.flatMap((p) => p.ways)).filter((w) => w.includes('g-bob')),
      [`${KEYS.payments} g-bob named`],
    );
  },
);

who('an organization: the statements confined to it, and public keys', async ({ run }) => {
  const a = await ask(run, ORG);
  assert.equal(summary(ways(a)), [`${KEYS.org} OrgWide named`, `${KEYS.reports} Anyone anyone`].sort());
  assert.equal(a.ifMember, []);
  const other = await ask(run, 'o-someoneelse1');
  assert.equal([summary(ways(other)), other.ifMember], [[`${KEYS.reports} Anyone anyone`], []], 'not another one');
});

who('an account nothing names gets only what is open to anyone', async ({ run }) => {
  const a = await ask(run, NOBODY);
  assert.equal(summary(ways(a)), [`${KEYS.reports} Anyone anyone`]);
  assert.equal(summary(a.ifMember), [`${KEYS.org} OrgWide if-member`]);
});

who('an empty answer says so, with how many keys were looked at', async () => {
  const world = {
    callerAccount: PROD,
    accounts: [
      { id: PROD, regions: [{ name: 'us-east-1', keys: [{ keyId: keyId(), policy: sharedWith(PROD, FOREIGN) }] }] },
    ],
  };
  await withSandbox(world, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-who-'));
    writeFileSync(join(dir, 'k.yml'), `accounts: [{ id: "${PROD}" }]\nregions: [us-east-1]\n`);
    const base = ['--config', join(dir, 'k.yml'), '--db', join(dir, 'k.db')];
    assert.is((await cli(['scan', ...base], '', process.env)).code, 1);
    const text = await cli(['who', NOBODY, ...base], '', process.env);
    assert.is(text.code, 0);
    assert.match(text.stdout, /From the record, no AWS call: last complete scan \S+ finished \S+ \(just now\)\./);
    assert.match(text.stdout, /No key in the record \(1 keys\) lets account 123456789012 in\./);
    const json = JSON.parse((await cli(['who', NOBODY, ...base, '--format', 'json'], '', process.env)).stdout).who;
    assert.equal([json.ways, json.places, json.ifMember, json.blindKeys], [0, [], [], []]);
  });
});

who(
  'bad input: one line, a stable code, exit 2; no database: exit 4; a read-only file is enough',
  async ({ run, db }) => {
    for (const [args, pattern] of [
      [
        ['who', '12345'],
        /^kms-sentinel: "12345" is not a party to ask about; give a 12-digit account ID .* \[invalid-party\]\n$/,
      ],
      [['who', 'arn:aws:iam::999999999999:role/ci-*'], /\[invalid-party\]\n$/],
      [['who'], /who needs an account ID, a principal ARN or an organization ID \[usage\]\n$/],
      [['who', FOREIGN, PARTNER], /who takes one argument, not "777788889999" after it \[usage\]\n$/],
      [['who', FOREIGN, '--format', 'table'], /--format must be text or json/],
    ] as const) {
      const result = await run(...args);
      assert.is(result.code, 2, args.join(' '));
      assert.match(result.stderr, pattern);
      assert.is(result.stderr.split('\n').length, 2, 'one line');
    }
    const missing = await cli(['who', FOREIGN, '--db', join(tmpdir(), 'no-such-dir-q21', 'k.db')], '', {});
    assert.is(missing.code, 4);
    assert.match(missing.stderr, /\[database-unusable\]/);
    chmodSync(db, 0o444);
    try {
      assert.is((await run('who', FOREIGN)).code, 0, 'read-only');
    } finally {
      chmodSync(db, 0o644);
    }
  },
);

who.run();
