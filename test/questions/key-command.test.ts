import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { pointSdkAt } from '../../src/sandbox/sdk-env.js';
import { cli } from '../helpers/cli.js';
import {
  arnOf,
  BOB,
  FOREIGN,
  KEYS,
  PARTNER,
  PROD,
  questionsConfig,
  questionsWorld,
  STAGING,
} from '../helpers/questions-world.js';

interface Report {
  keyArn: string;
  region: string;
  aliases: string[];
  readAt: string | null;
  blind: string[];
  exposures: {
    principal: string;
    statement: string | null;
    grantId: string | null;
    actions: string[];
    trusted: boolean;
    finding: { status: string; fingerprint: string } | null;
  }[];
  findings: {
    fingerprint: string;
    principal: string;
    status: string;
    resolvedCause: string | null;
    ackBy: string | null;
  }[];
  history: {
    event: string;
    actor: string;
    fingerprint: string | null;
    remediation: string | null;
    detail: string | null;
  }[];
  remediations: { id: string; status: string; reason: string; revoked: string[]; undoneBy: string | null }[];
}

type Run = (...args: string[]) => ReturnType<typeof cli>;
const key = suite<{ run: Run; sandbox: Sandbox; restore: () => void }>(
  'kms-sentinel key: who outside its account can use one key, its findings and their history',
);

const PAYMENTS = arnOf(PROD, 'us-east-1', KEYS.payments);

key.before(async (context) => {
  context.sandbox = await startSandbox(questionsWorld());
  context.restore = pointSdkAt({ ...context.sandbox.env, AWS_EC2_METADATA_DISABLED: 'true' });
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-key-'));
  writeFileSync(join(dir, 'k.yml'), questionsConfig('remediation: { enabled: true }\n'));
  const base = ['--config', join(dir, 'k.yml'), '--db', join(dir, 'k.db')];
  context.run = (...args: string[]) => cli([...args, ...base], '', { ...process.env, USER: 'alice' });
  assert.is((await context.run('scan')).code, 3);
});
key.after(async ({ sandbox, restore }) => {
  restore();
  await sandbox.stop();
});

async function reports(run: Run, reference: string): Promise<Report[]> {
  const result = await run('key', reference, '--format', 'json');
  assert.is(result.code, 0, result.stderr);
  return JSON.parse(result.stdout).key.keys as Report[];
}

key(
  'by ARN: every principal outside its account, trusted or not, how, with which actions; when it was read',
  async ({ run }) => {
    const staging = arnOf(STAGING, 'us-east-1', KEYS.stagingCi);
    const [report] = await reports(run, staging);
    assert.equal(
      report?.exposures.map((e) => [e.principal, e.statement, e.actions, e.trusted, e.finding?.status ?? null]),
      [
        [FOREIGN, 'CI', ['kms:Decrypt', 'kms:Encrypt'], false, 'open'],
        [PARTNER, 'CI', ['kms:Decrypt', 'kms:Encrypt'], true, null],
      ],
    );
    assert.ok(report?.readAt !== null && Date.now() - Date.parse(report?.readAt ?? '') < 60_000, 'read by the scan');
    assert.equal(report?.blind, []);
    const text = (await run('key', staging)).stdout;
    assert.match(
      text,
      new RegExp(
        `^Key ${staging} \\(alias/staging-ci\\)\\n {2}account ${STAGING}, region us-east-1, Enabled\\n {2}last read \\S+ \\(just now\\)`,
      ),
    );
    assert.match(text, /Outside account 222222222222, 2 ways in \(1 trusted\):/);
    assert.match(text, /HIGH {6}777788889999 {2}via statement "CI" {2}kms:Decrypt, kms:Encrypt {2}trusted/);
    assert.match(text, /Findings \(1\):\n {2}[0-9a-f]{32} {2}HIGH/);
  },
);

key('by alias, alias ARN or key ID; an alias two regions share names both keys', async ({ run }) => {
  const both = await reports(run, 'alias/payments');
  assert.equal(both.map((r) => r.region).sort(), ['eu-west-1', 'us-east-1']);
  assert.match((await run('key', 'payments')).stdout, /^payments names 2 keys in the record\./);
  const one = await reports(run, `arn:aws:kms:eu-west-1:${PROD}:alias/payments`);
  assert.equal(
    one.map((r) => [r.region, r.exposures.map((e) => e.statement)]),
    [['eu-west-1', ['Backup']]],
  );
  assert.equal(
    (await reports(run, KEYS.payments)).map((r) => r.keyArn),
    [PAYMENTS],
  );
  const grant = (await reports(run, PAYMENTS))[0]?.exposures.find((e) => e.grantId === 'g-bob');
  assert.equal([grant?.principal, grant?.actions], [BOB, ['kms:Decrypt', 'kms:GenerateDataKey']]);
});

key('a public key, and a key the scanner could never read', async ({ run }) => {
  const [reports0] = await reports(run, 'alias/reports');
  assert.equal(
    reports0?.exposures.map((e) => [e.principal, e.statement]),
    [['*', 'Anyone']],
  );
  assert.match((await run('key', 'alias/reports')).stdout, /CRITICAL {2}\* \(anyone\) {2}via statement "Anyone"/);
  const locked = arnOf(STAGING, 'us-east-1', KEYS.locked);
  const [blind] = await reports(run, locked);
  assert.equal([blind?.blind, blind?.exposures], [['never-read'], []]);
  const lockedText = (await run('key', locked)).stdout;
  assert.match(lockedText, /not fully known: the scanner could never read it/);
  assert.match(lockedText, /No way in from outside account 222222222222 is known: the record cannot fully tell/);
  const slackless = await run('who', FOREIGN);
  assert.match(slackless.stdout, /Keys the record cannot fully tell about/);
});

key('unknown or malformed keys: one line, a stable code, exit 2', async ({ run }) => {
  const unknown = await run('key', arnOf(PROD, 'us-east-1', '00000000-0000-4000-8000-000000000000'));
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /^kms-sentinel: no key in the record is arn:aws:kms:[^\n]* \[not-found\]\n$/);
  const alias = await run('key', 'alias/nothing-here');
  assert.match(alias.stderr, /no key in the record is alias\/nothing-here.* \[not-found\]\n$/);
  const bad = await run('key', 'alias/has space');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^kms-sentinel: "alias\/has space" is not a KMS key reference; .* \[invalid-key\]\n$/);
  const malformed = await run('key', 'arn:aws:iam::111111111111:root');
  assert.match(
    malformed.stderr,
    /^kms-sentinel: "arn:aws:iam::111111111111:root" is not a KMS key reference; give a key ARN .* \[invalid-key\]\n$/,
  );
});

key(
  'the history: opened, acknowledged, resolved, reopened, remediated and undone, with who and why',
  async ({ run }) => {
    const first = (await reports(run, PAYMENTS))[0];
    const shared = first?.exposures.find((e) => e.statement === 'Shared')?.finding?.fingerprint ?? '';
    assert.is((await run('ack', shared, '--reason', 'vendor under contract', '--until', '2099-01-01')).code, 0);
    assert.is((await run('trust', 'add', FOREIGN, '--note', 'vendor')).code, 0);
    const trusted = (await reports(run, PAYMENTS))[0];
    assert.ok(
      trusted?.exposures.every((e) => e.trusted),
      'the trusted exposures are still listed, as trusted',
    );
    assert.is((await run('trust', 'remove', FOREIGN)).code, 0);
    const fix = await run('remediate', PAYMENTS, '--yes', '--reason', 'vendor offboarded', '--format', 'json');
    assert.is(fix.code, 0, fix.stderr);
    const id = JSON.parse(fix.stdout).id as string;
    const fixed = (await reports(run, PAYMENTS))[0];
    assert.equal(fixed?.exposures, [], 'nobody outside any more');
    assert.ok(fixed?.findings.every((f) => f.status === 'resolved' && f.resolvedCause === `remediated ${id}`));
    assert.is((await run('undo', id, '--yes')).code, 0);

    const report = (await reports(run, PAYMENTS))[0];
    const ofShared = report?.history.filter((h) => h.fingerprint === shared).map((h) => h.event);
    assert.equal(ofShared, ['opened', 'acknowledged', 'resolved', 'reopened', 'resolved', 'reopened']);
    const ofKey = report?.history.filter((h) => h.fingerprint === null).map((h) => [h.event, h.remediation]);
    assert.equal(ofKey, [
      ['remediation-started', id],
      ['remediated', id],
      ['undo-started', id],
      ['undone', id],
    ]);
    const ack = report?.history.find((h) => h.event === 'acknowledged');
    assert.equal([ack?.actor, ack?.detail], ['cli:alice', 'until 2099-01-01T00:00:00.000Z: vendor under contract']);
    const causes = report?.history
      .filter((h) => h.fingerprint === shared && h.event === 'resolved')
      .map((h) => h.detail);
    assert.equal(causes, [`trusted: ${FOREIGN}`, `remediated ${id}`]);
    assert.equal(
      report?.remediations.map((r) => [r.id, r.status, r.reason, r.revoked, r.undoneBy]),
      [[id, 'undone', 'vendor offboarded', ['g-bob'], 'cli:alice']],
    );
    assert.equal(
      report?.findings.map((f) => [f.principal, f.status]),
      [
        [BOB, 'resolved'],
        [FOREIGN, 'open'],
      ],
      'the undo put the statement back; the revoked grant stays gone',
    );

    const text = (await run('key', PAYMENTS)).stdout;
    assert.match(
      text,
      /History \(oldest first\):\n[\s\S]*cli:alice {2}acknowledged {2}999999999999 via statement "Shared": until 2099-01-01T00:00:00.000Z: vendor under contract/,
    );
    assert.match(text, /cli:alice {2}remediated {2}remediation \S+/);
    assert.match(text, /cli:alice {2}remediation undone {2}remediation \S+/);
    assert.match(
      text,
      new RegExp(
        `Remediations \\(1\\):\\n {2}${id} {2}undone {2}by cli:alice .*: vendor offboarded \\(key policy rewritten, 1 grant\\(s\\) revoked\\); undone by cli:alice`,
      ),
    );
  },
);

key.run();
