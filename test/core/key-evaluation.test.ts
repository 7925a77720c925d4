import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprintOf } from '../../src/core/findings/fingerprint.js';
import { analyzeGrants } from '../../src/core/grants.js';
import { compareFindings, evaluateKey } from '../../src/core/scan/evaluate-key.js';
import type { GrantEntry, KeyFinding, KeySnapshot } from '../../src/core/scan/types.js';
import { parseTrustEntry, trustZone } from '../../src/core/trust.js';
import { allow, FOREIGN, OWN, PARTNER } from '../helpers/policy.js';

/** docs/commands.md, `kms-sentinel scan`: how a scanned key's grants are judged, and what a key's verdict holds. */
const key = suite('a scanned key: grants, policy and fingerprints');
const root = (account: string) => `arn:aws:iam::${account}:root`;
const zone = (trust: string[] = []) => trustZone(OWN, trust.map(parseTrustEntry));
const grant = (fields: Partial<GrantEntry>): GrantEntry => ({
  grantId: 'g1',
  name: null,
  granteePrincipal: root(FOREIGN),
  retiringPrincipal: null,
  issuingAccount: OWN,
  operations: ['Decrypt'],
  ...fields,
});
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const snapshot = (fields: Partial<KeySnapshot>): KeySnapshot => ({
  accountId: OWN,
  region: 'eu-west-1',
  keyId: KEY_ID,
  keyArn: `arn:aws:kms:eu-west-1:${OWN}:key/${KEY_ID}`,
  aliases: ['alias/app'],
  keyState: 'Enabled',
  multiRegion: false,
  multiRegionKeyType: null,
  policy: null,
  grants: [],
  ...fields,
});
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

// --- grants

key('a foreign grantee is a finding with the grant operations as actions, severity as for policies', () => {
  const { findings, notices } = analyzeGrants(
    [
      grant({ grantId: 'crypto', operations: ['GenerateDataKey', 'Decrypt'] }),
      grant({ grantId: 'handover', operations: ['Decrypt', 'CreateGrant'] }),
      grant({ grantId: 'metadata', operations: ['DescribeKey'] }),
      grant({ grantId: 'cleanup', operations: ['RetireGrant'] }),
    ],
    zone(),
  );
  assert.equal(
    findings.map((f) => [f.grantId, f.principal, f.account, f.actions, f.severity, f.reason]),
    [
      [
        'crypto',
        root(FOREIGN),
        FOREIGN,
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        'high',
        `grantee: account ${FOREIGN} is not trusted`,
      ],
      [
        'handover',
        root(FOREIGN),
        FOREIGN,
        ['kms:CreateGrant', 'kms:Decrypt'],
        'critical',
        `grantee: account ${FOREIGN} is not trusted`,
      ],
      ['metadata', root(FOREIGN), FOREIGN, ['kms:DescribeKey'], 'medium', `grantee: account ${FOREIGN} is not trusted`],
      ['cleanup', root(FOREIGN), FOREIGN, ['kms:RetireGrant'], 'low', `grantee: account ${FOREIGN} is not trusted`],
    ],
  );
  assert.equal(notices, []);
});

key('operations a grant names but the engine does not know are kept, after the known ones', () => {
  const { findings } = analyzeGrants([grant({ operations: ['ZetaOperation', 'Decrypt', 'AlphaOperation'] })], zone());
  assert.equal(findings[0]?.actions, ['kms:Decrypt', 'kms:AlphaOperation', 'kms:ZetaOperation']);
});

key('grantees of the key account, of a trusted account or a trusted principal, and services are not findings', () => {
  const { findings, notices } = analyzeGrants(
    [
      grant({ granteePrincipal: `arn:aws:iam::${OWN}:role/app` }),
      grant({ granteePrincipal: PARTNER }),
      grant({ granteePrincipal: `arn:aws-cn:iam::${PARTNER}:role/x` }),
      grant({ granteePrincipal: `arn:aws:iam::${FOREIGN}:role/Backup` }),
      grant({ granteePrincipal: 'rds.us-east-1.amazonaws.com' }),
      grant({ granteePrincipal: 'logs.cn-north-1.amazonaws.com.cn' }),
    ],
    zone([PARTNER, `arn:aws:iam::${FOREIGN}:role/Backup`]),
  );
  assert.equal(findings, []);
  assert.equal(notices, []);
});

key('a grantee that only looks like a service, or names no account, is a finding with no account', () => {
  const { findings } = analyzeGrants(
    [
      grant({ grantId: 'a', granteePrincipal: 'evil.amazonaws.com.example.org' }),
      grant({ grantId: 'b', granteePrincipal: 'Rds.amazonaws.com' }),
      grant({ grantId: 'c', granteePrincipal: 'somebody' }),
    ],
    zone(),
  );
  assert.equal(
    findings.map((f) => [f.grantId, f.account, f.reason]),
    [
      ['a', null, 'grantee: evil.amazonaws.com.example.org is not a principal of any trusted account'],
      ['b', null, 'grantee: Rds.amazonaws.com is not a principal of any trusted account'],
      ['c', null, 'grantee: somebody is not a principal of any trusted account'],
    ],
  );
});

key('a bare account ID as grantee belongs to that account', () => {
  const { findings } = analyzeGrants([grant({ granteePrincipal: FOREIGN })], zone());
  assert.equal(
    findings.map((f) => [f.principal, f.account]),
    [[FOREIGN, FOREIGN]],
  );
  assert.equal(analyzeGrants([grant({ granteePrincipal: FOREIGN })], zone([FOREIGN])).findings, []);
});

key('a grantee shown as a unique ID is a stale-grantee notice, not a finding', () => {
  const { findings, notices } = analyzeGrants([grant({ granteePrincipal: 'AROAEXAMPLEEXAMPLE12' })], zone());
  assert.equal(findings, []);
  assert.equal(notices, [
    {
      grantId: 'g1',
      code: 'stale-grantee',
      message:
        'the grantee AROAEXAMPLEEXAMPLE12 is shown as a unique ID (a principal just created or already deleted); it is checked again on the next scan',
    },
  ]);
});

key('a foreign retiring principal alone is low: it can only retire the grant', () => {
  const cleanup = `arn:aws:iam::${FOREIGN}:role/cleanup`;
  const { findings } = analyzeGrants(
    [grant({ granteePrincipal: `arn:aws:iam::${OWN}:role/app`, retiringPrincipal: cleanup, operations: ['Decrypt'] })],
    zone(),
  );
  assert.equal(findings, [
    {
      kind: 'retiring-grantee',
      grantId: 'g1',
      principal: cleanup,
      account: FOREIGN,
      actions: ['kms:RetireGrant'],
      severity: 'low',
      reason: `retiring principal: account ${FOREIGN} is not trusted; it can retire (delete) the grant`,
    },
  ]);
});

key(
  'a foreign grantee that also retires the grant is one finding; a trusted or service retiring principal none',
  () => {
    const both = analyzeGrants([grant({ retiringPrincipal: root(FOREIGN) })], zone());
    assert.equal(
      both.findings.map((f) => f.principal),
      [root(FOREIGN)],
    );
    const trusted = analyzeGrants(
      [grant({ granteePrincipal: `arn:aws:iam::${OWN}:role/a`, retiringPrincipal: root(PARTNER) })],
      zone([PARTNER]),
    );
    assert.equal(trusted.findings, []);
    const service = analyzeGrants(
      [grant({ granteePrincipal: `arn:aws:iam::${OWN}:role/a`, retiringPrincipal: 'rds.amazonaws.com' })],
      zone(),
    );
    assert.equal(service.findings, []);
    const both2 = analyzeGrants([grant({ retiringPrincipal: root(PARTNER) })], zone());
    assert.equal(
      both2.findings.map((f) => [f.principal, f.severity]),
      [
        [root(FOREIGN), 'high'],
        [root(PARTNER), 'low'],
      ],
    );
  },
);

key('a retiring principal shown as a unique ID is a stale-retiring-principal notice', () => {
  const { findings, notices } = analyzeGrants(
    [grant({ granteePrincipal: `arn:aws:iam::${OWN}:role/a`, retiringPrincipal: 'AIDAEXAMPLEEXAMPLE12' })],
    zone(),
  );
  assert.equal(findings, []);
  assert.equal(notices, [
    {
      grantId: 'g1',
      code: 'stale-retiring-principal',
      message:
        'the retiring principal AIDAEXAMPLEEXAMPLE12 is shown as a unique ID; it is checked again on the next scan',
    },
  ]);
});

// --- evaluateKey

key('a key is judged from its policy and its grants, each finding saying where it comes from', () => {
  const result = evaluateKey(
    snapshot({
      policy: policy([
        allow({ AWS: root(FOREIGN) }, 'kms:Decrypt', { Sid: 'Shared' }),
        allow({ AWS: 'AROAJ45Q7EXAMPLEXAMPL' }),
      ]),
      grants: [
        grant({ grantId: 'g-crypto', granteePrincipal: root(PARTNER), operations: ['Encrypt'] }),
        grant({ grantId: 'g-stale', granteePrincipal: 'AROAEXAMPLEEXAMPLE12' }),
      ],
    }),
    zone(),
  );
  const where = {
    accountId: OWN,
    region: 'eu-west-1',
    keyId: KEY_ID,
    keyArn: `arn:aws:kms:eu-west-1:${OWN}:key/${KEY_ID}`,
    aliases: ['alias/app'],
    keyState: 'Enabled',
  };
  assert.equal(result.findings, [
    {
      ...where,
      kind: 'account',
      source: 'policy',
      statement: 'Shared',
      grantId: null,
      principal: root(FOREIGN),
      account: FOREIGN,
      actions: ['kms:Decrypt'],
      severity: 'high',
      public: false,
      reason: `account ${FOREIGN} is not trusted`,
    },
    {
      ...where,
      kind: 'grantee',
      source: 'grant',
      statement: null,
      grantId: 'g-crypto',
      principal: root(PARTNER),
      account: PARTNER,
      actions: ['kms:Encrypt'],
      severity: 'high',
      public: false,
      reason: `grantee: account ${PARTNER} is not trusted`,
    },
  ]);
  const ids = { accountId: OWN, region: 'eu-west-1', keyId: KEY_ID };
  assert.equal(
    result.notices.map((n) => ({ ...n, message: n.message.slice(0, 21) })),
    [
      {
        ...ids,
        source: 'policy',
        statement: '#2',
        grantId: null,
        code: 'stale-principal',
        message: 'AROAJ45Q7EXAMPLEXAMPL',
      },
      {
        ...ids,
        source: 'grant',
        statement: null,
        grantId: 'g-stale',
        code: 'stale-grantee',
        message: 'the grantee AROAEXAMP',
      },
    ],
  );
});

key('a policy that cannot be parsed is a high finding with the parser message; grants are still judged', () => {
  const result = evaluateKey(snapshot({ policy: '{"Statement": [', grants: [grant({})] }), zone());
  assert.equal(
    result.findings.map((f) => [
      f.source,
      f.statement,
      f.principal,
      f.account,
      f.actions,
      f.severity,
      f.public,
      f.reason,
    ]),
    [
      ['policy', null, '*', null, [], 'high', false, 'unparseable-policy'],
      [
        'grant',
        null,
        root(FOREIGN),
        FOREIGN,
        ['kms:Decrypt'],
        'high',
        false,
        `grantee: account ${FOREIGN} is not trusted`,
      ],
    ],
  );
  assert.match(result.findings[0]?.detail ?? '', /^invalid JSON at line 1, column 16: unexpected end of input$/);
  const invalid = evaluateKey(snapshot({ policy: '{"Version": "2012-10-17"}' }), zone());
  assert.match(invalid.findings[0]?.detail ?? '', /no "Statement"/);
});

key('a key whose policy or grants could not be read is judged on what was read, with nothing made up', () => {
  assert.equal(evaluateKey(snapshot({ policy: null, grants: null }), zone()), { findings: [], notices: [] });
  const grantsOnly = evaluateKey(snapshot({ policy: null, grants: [grant({})] }), zone());
  assert.equal(
    grantsOnly.findings.map((f) => f.source),
    ['grant'],
  );
  const policyOnly = evaluateKey(snapshot({ policy: policy([allow('*')]), grants: null }), zone());
  assert.equal(
    policyOnly.findings.map((f) => [f.source, f.public]),
    [['policy', true]],
  );
});

key('findings across keys are ordered by severity, account, region, key, source, then principal', () => {
  const base: KeyFinding = {
    accountId: OWN,
    region: 'eu-west-1',
    keyId: 'k1',
    keyArn: '',
    aliases: [],
    keyState: 'Enabled',
    kind: 'account',
    source: 'policy',
    statement: 'S',
    grantId: null,
    principal: FOREIGN,
    account: FOREIGN,
    actions: [],
    severity: 'high',
    public: false,
    reason: '',
  };
  const findings: KeyFinding[] = [
    { ...base, principal: PARTNER },
    { ...base, source: 'grant' },
    { ...base, keyId: 'k0' },
    { ...base, region: 'ap-south-1' },
    { ...base, accountId: '000000000001' },
    { ...base, severity: 'low' },
    { ...base, severity: 'critical', accountId: '999999999990' },
    base,
  ];
  const sorted = [...findings].sort(compareFindings);
  assert.equal(
    sorted.map((f) => `${f.severity} ${f.accountId} ${f.region} ${f.keyId} ${f.source} ${f.principal}`),
    [
      `critical 999999999990 eu-west-1 k1 policy ${FOREIGN}`,
      `high 000000000001 eu-west-1 k1 policy ${FOREIGN}`,
      `high ${OWN} ap-south-1 k1 policy ${FOREIGN}`,
      `high ${OWN} eu-west-1 k0 policy ${FOREIGN}`,
      `high ${OWN} eu-west-1 k1 grant ${FOREIGN}`,
      `high ${OWN} eu-west-1 k1 policy ${PARTNER}`,
      `high ${OWN} eu-west-1 k1 policy ${FOREIGN}`,
      `low ${OWN} eu-west-1 k1 policy ${FOREIGN}`,
    ],
  );
  assert.is(compareFindings(base, { ...base }), 0);
});

key('findings across accounts are listed account by account, whatever their regions', () => {
  const open = policy([allow('*')]);
  const judged = (accountId: string, region: string) =>
    evaluateKey(
      snapshot({ accountId, region, keyArn: `arn:aws:kms:${region}:${accountId}:key/${KEY_ID}`, policy: open }),
      trustZone(accountId, []),
    ).findings;
  const west = judged(OWN, 'us-west-2');
  const east = judged(PARTNER, 'us-east-1');
  for (const scanned of [
    [...west, ...east],
    [...east, ...west],
  ]) {
    assert.equal(
      [...scanned].sort(compareFindings).map((f) => `${f.accountId} ${f.region}`),
      [`${OWN} us-west-2`, `${PARTNER} us-east-1`],
    );
  }
});

// --- fingerprints

key('a fingerprint is stable across releases: stored findings keep their identity', () => {
  const finding = {
    accountId: '111111111111',
    region: 'us-east-1',
    keyId: 'key-a',
    source: 'policy' as const,
    statement: 'Shared',
    grantId: null,
    principal: '999999999999',
  };
  assert.is(fingerprintOf(finding), 'd672e9af031cc7898d5f1fe49c2003b0');
  const unparseable = { ...finding, statement: null, principal: '*' };
  assert.is(fingerprintOf(unparseable), '992a342f8c43fe9c1aac97a68f16b5ef');
  assert.is(fingerprintOf({ ...unparseable, source: 'grant' }), '55ff9ff671d3e7c0f7deb7755fe2a715');
  for (let i = 0; i < 200; i++) {
    assert.match(fingerprintOf({ ...finding, keyId: `key-${i}` }), /^[0-9a-f]{32}$/);
  }
  assert.match(fingerprintOf({ ...finding, principal: 'é'.repeat(40) }), /^[0-9a-f]{32}$/);
});

key('a policy fingerprint ignores the grant ID, and a grant fingerprint the statement', () => {
  const policyFinding = {
    accountId: OWN,
    region: 'us-east-1',
    keyId: 'k',
    source: 'policy' as const,
    statement: 'Shared',
    grantId: null,
    principal: FOREIGN,
  };
  assert.is(fingerprintOf({ ...policyFinding, grantId: 'g' }), fingerprintOf(policyFinding));
  const grantFinding = { ...policyFinding, source: 'grant' as const, statement: null, grantId: 'g' };
  assert.is(fingerprintOf({ ...grantFinding, statement: 'Shared' }), fingerprintOf(grantFinding));
  assert.is.not(fingerprintOf({ ...grantFinding, grantId: 'h' }), fingerprintOf(grantFinding));
  assert.is.not(fingerprintOf({ ...policyFinding, statement: null }), fingerprintOf(policyFinding));
  assert.is.not(
    fingerprintOf({ ...grantFinding, grantId: null }),
    fingerprintOf({ ...policyFinding, statement: null, source: 'grant' as const, grantId: 'x' }),
  );
});

key.run();
