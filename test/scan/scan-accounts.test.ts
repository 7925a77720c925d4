import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { keyId, scanWorld, sharedWith } from '../helpers/sandbox.js';

const accounts = suite('scan: accounts and roles');
const CALLER = '111111111111';
const B = '222222222222';
const C = '333333333333';
const FOREIGN = '999999999999';

function world(roles: Record<string, { name: string; externalId?: string }[]>): World {
  return {
    callerAccount: CALLER,
    accounts: [CALLER, B, C].map((id) => ({
      id,
      roles: roles[id] ?? [],
      regions: [{ name: 'us-east-1', keys: [{ keyId: keyId(), policy: sharedWith(id, FOREIGN) }] }],
    })),
  };
}

const config = (extra = '') => `accounts:
  - { id: "${CALLER}", name: home }
  - { id: "${B}", name: bee }
  - { id: "${C}", name: sea }
regions: [us-east-1]
${extra}`;

accounts("the credentials' own account is scanned directly; the others through AssumeRole", async () => {
  const run = await scanWorld(
    world({ [B]: [{ name: 'KmsSentinelAudit' }], [C]: [{ name: 'KmsSentinelAudit' }] }),
    config(),
  );
  assert.is(run.code, 1, run.stderr);
  assert.equal(run.json.findings.map((f) => f.accountId).sort(), [CALLER, B, C]);
  assert.equal(run.json.errors, []);
  const stats = JSON.stringify(run.sandbox.stats());
  assert.match(stats, /AssumeRole/);
});

accounts('AssumeRole passes the external ID when the config sets one', async () => {
  const roles = {
    [B]: [{ name: 'KmsSentinelAudit', externalId: 'ext-123' }],
    [C]: [{ name: 'KmsSentinelAudit', externalId: 'ext-123' }],
  };
  const withId = await scanWorld(world(roles), config('externalId: ext-123\n'));
  assert.equal(withId.json.errors, []);
  assert.is(withId.json.scan.complete, true);
  const without = await scanWorld(world(roles), config());
  assert.equal(
    without.json.errors.map((e) => [e.accountId, e.code]),
    [
      [B, 'AssumeRoleDenied'],
      [C, 'AssumeRoleDenied'],
    ],
  );
});

accounts('a denied account is an error beside healthy ones, and the scan is incomplete (exit 3)', async () => {
  const run = await scanWorld(world({ [C]: [{ name: 'KmsSentinelAudit' }] }), config());
  assert.is(run.code, 3, run.stderr);
  assert.is(run.json.scan.complete, false);
  assert.equal(run.json.errors.length, 1);
  const [error] = run.json.errors;
  assert.equal([error?.accountId, error?.region, error?.keyId, error?.code], [B, null, null, 'AssumeRoleDenied']);
  assert.match(error?.message ?? '', /arn:aws:iam::222222222222:role\/KmsSentinelAudit/);
  assert.equal(run.json.findings.map((f) => f.accountId).sort(), [CALLER, C]);
});

accounts('roleArn and --role-name choose the role; --account narrows the accounts', async () => {
  const roles = { [B]: [{ name: 'Custom' }], [C]: [{ name: 'Other' }] };
  const yaml = `accounts:
  - { id: "${B}", roleArn: "arn:aws:iam::${B}:role/Custom" }
  - { id: "${C}" }
regions: [us-east-1]
`;
  const run = await scanWorld(world(roles), yaml, ['--role-name', 'Other']);
  assert.equal(run.json.errors, []);
  assert.equal(run.json.findings.map((f) => f.accountId).sort(), [B, C]);
  const narrowed = await scanWorld(world(roles), yaml, ['--account', B]);
  assert.equal(
    narrowed.json.findings.map((f) => f.accountId),
    [B],
  );
});

accounts('organization.trustMembers trusts every member account and the organization', async () => {
  const w = world({ [B]: [{ name: 'KmsSentinelAudit' }], [C]: [{ name: 'KmsSentinelAudit' }] });
  w.organization = {
    id: 'o-trustmember',
    managementAccount: CALLER,
    accounts: [
      { id: CALLER, name: 'm' },
      { id: B, name: 'b' },
      { id: FOREIGN, name: 'partner-member' },
    ],
  };
  const run = await scanWorld(w, config('organization: { trustMembers: true }\n'));
  assert.equal(run.json.findings, []);
  assert.is(run.code, 0);
});

accounts('--account wins over organization discovery', async () => {
  const w = world({ [B]: [{ name: 'KmsSentinelAudit' }], [C]: [{ name: 'KmsSentinelAudit' }] });
  w.organization = {
    id: 'o-discovery01',
    managementAccount: CALLER,
    accounts: [
      { id: CALLER, name: 'm' },
      { id: B, name: 'b' },
      { id: C, name: 'c' },
    ],
  };
  const run = await scanWorld(w, 'regions: [us-east-1]\norganization: { discover: true }\n', [
    '--account',
    B,
    '--account',
    B,
  ]);
  assert.equal(
    run.json.findings.map((f) => f.accountId),
    [B],
  );
  assert.is(run.json.scan.accounts, 1);
});

accounts("no accounts configured: the credentials' own account is scanned", async () => {
  const run = await scanWorld(world({}), 'regions: [us-east-1]\n');
  assert.equal(
    run.json.findings.map((f) => f.accountId),
    [CALLER],
  );
  assert.is(run.json.scan.accounts, 1);
});

accounts.run();
