import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allow, check, codes, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

/** What a user reads in a report: severities, reasons, notices and their order. */
const report = suite('the report: severity, reasons, notices, order');
const root = (account: string) => `arn:aws:iam::${account}:root`;
const ORG = 'o-abcdef1234';

const severity = (action: unknown) => check([allow({ AWS: FOREIGN }, action)]).findings[0]?.severity;

// --- severity

report('each metadata action alone is medium; RevokeGrant alone is low', () => {
  for (const action of ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:GetKeyRotationStatus', 'kms:ListGrants']) {
    assert.is(severity(action), 'medium', action);
  }
  for (const action of ['kms:RevokeGrant', ['kms:RetireGrant', 'kms:RevokeGrant']]) {
    assert.is(severity(action), 'low', JSON.stringify(action));
  }
  assert.is(severity(['kms:RevokeGrant', 'kms:GetPublicKey']), 'medium');
});

report('every cryptographic operation is high', () => {
  for (const action of [
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:ReEncryptTo',
    'kms:Sign',
    'kms:Verify',
    'kms:GenerateMac',
    'kms:VerifyMac',
    'kms:DeriveSharedSecret',
  ]) {
    assert.is(severity(action), 'high', action);
  }
  assert.is(severity(['kms:RetireGrant', 'kms:Verify']), 'high');
});

report('"*" and kms:* in any case are critical, even when a Deny takes CreateGrant away', () => {
  for (const action of ['*', 'kms:*', 'KMS:*', ['kms:Decrypt', 'Kms:*']]) {
    const findings = check([
      allow({ AWS: FOREIGN }, action),
      { Effect: 'Deny', Principal: '*', Action: 'kms:CreateGrant', Resource: '*' },
    ]).findings;
    assert.not.ok(findings[0]?.actions.includes('kms:CreateGrant'), JSON.stringify(action));
    assert.is(findings[0]?.severity, 'critical', JSON.stringify(action));
  }
  assert.is(severity('kms:Create*'), 'critical');
  assert.is(severity('kms:*Key'), 'high', 'a wildcard that is not kms:* counts by what it covers');
});

report('public access is critical even when it gives only metadata', () => {
  const findings = check([allow('*', 'kms:GetPublicKey')]).findings;
  assert.equal(
    findings.map((f) => [f.severity, f.public]),
    [['critical', true]],
  );
});

report('a NotAction statement is judged by what it leaves, not as kms:*', () => {
  const report = check([
    allow({ AWS: FOREIGN }, undefined, {
      Action: undefined,
      NotAction: ['kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt', 'kms:Generate*', 'kms:ReEncrypt*', 'kms:Sign'],
    }),
  ]);
  assert.equal(report.findings[0]?.actions, [
    'kms:DeriveSharedSecret',
    'kms:DescribeKey',
    'kms:GetKeyRotationStatus',
    'kms:GetPublicKey',
    'kms:ListGrants',
    'kms:RevokeGrant',
    'kms:Verify',
    'kms:VerifyMac',
  ]);
  assert.is(report.findings[0]?.severity, 'high');
});

// --- reasons

report('each kind of grantee gets its own reason', () => {
  const cases: [object, string][] = [
    [
      allow('*'),
      `anyone in any AWS account can use the key: Principal "*" with no condition that limits the caller's account`,
    ],
    [
      { Effect: 'Allow', NotPrincipal: { AWS: root(OWN) }, Action: 'kms:Decrypt', Resource: '*' },
      'NotPrincipal with Allow lets in every principal not listed, in any account',
    ],
    [allow({ AWS: root(FOREIGN) }), `account ${FOREIGN} is not trusted`],
    [allow({ AWS: `arn:aws:iam::${FOREIGN}:user/alice` }), `account ${FOREIGN} is not trusted`],
    [
      allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }),
      `organization ${ORG} is not trusted`,
    ],
    [
      allow({ Federated: 'cognito-identity.amazonaws.com' }),
      'identities federated through cognito-identity.amazonaws.com are outside every trusted account',
    ],
    [allow({ CanonicalUser: 'a'.repeat(64) }), `canonical user ${'a'.repeat(64)} is not an account on the trust list`],
  ];
  for (const [statement, reason] of cases) {
    const findings = check([statement]).findings;
    assert.equal(
      findings.map((f) => f.reason),
      [reason],
      JSON.stringify(statement),
    );
  }
});

report('a canonical user is a finding with no account, never public, never trusted by an account entry', () => {
  const findings = check([allow({ CanonicalUser: 'b'.repeat(64) })], [OWN, PARTNER]).findings;
  assert.equal(
    findings.map((f) => [f.principal, f.account, f.public, f.severity]),
    [['b'.repeat(64), null, false, 'high']],
  );
});

report('a Federated provider is not trusted by trusting the account its ARN names', () => {
  const provider = `arn:aws:iam::${PARTNER}:saml-provider/Okta`;
  assert.equal(principals(check([allow({ Federated: provider })], [PARTNER])), [provider]);
});

report('the principals an Allow with NotPrincipal lists are excluded, never findings or notices', () => {
  const result = check([
    {
      Effect: 'Allow',
      NotPrincipal: { AWS: [root(FOREIGN), 'AROAJ45Q7EXAMPLEXAMPL'], Federated: 'accounts.google.com' },
      Action: 'kms:Decrypt',
      Resource: '*',
    },
  ]);
  assert.equal(
    result.findings.map((f) => [f.principal, f.public]),
    [['*', true]],
  );
  assert.equal(result.notices, []);
});

// --- notices

report('each notice names its statement and says why', () => {
  const result = check([
    { Sid: 'no resource', Effect: 'Allow', Principal: '*', Action: 'kms:*' },
    { Sid: 'no action', Effect: 'Allow', Principal: '*', Resource: '*' },
    allow({ AWS: 'AROAJ45Q7EXAMPLEXAMPL' }, 'kms:Decrypt', { Sid: 'stale' }),
    allow({ AWS: [FOREIGN, root(OWN)] }, ['kms:PutKeyPolicy'], { Sid: 'admin' }),
    allow('*', 'kms:Decrypt', {
      Sid: 'contradiction',
      Condition: { StringEquals: { 'kms:CallerAccount': FOREIGN, 'aws:PrincipalAccount': PARTNER } },
    }),
  ]);
  assert.equal(result.findings, []);
  assert.equal(result.notices, [
    {
      statement: 'no resource',
      code: 'no-resource',
      message: 'the statement has no "Resource", so it has no effect in a key policy',
    },
    {
      statement: 'no action',
      code: 'no-action',
      message: 'the statement has no "Action" or "NotAction", so it has no effect',
    },
    {
      statement: 'stale',
      code: 'stale-principal',
      message: 'AROAJ45Q7EXAMPLEXAMPL is the unique ID of a deleted IAM principal; it grants nobody and can be removed',
    },
    {
      statement: 'admin',
      code: 'no-cross-account-actions',
      message: `grants ${FOREIGN} only actions that have no effect across accounts`,
    },
    {
      statement: 'contradiction',
      code: 'contradictory-condition',
      message: "the statement's conditions contradict each other: they can match no caller, so it grants nothing",
    },
  ]);
});

report('a statement with neither Resource nor Action gets the no-resource notice only', () => {
  assert.equal(codes(check([{ Effect: 'Allow', Principal: '*' }])), ['no-resource']);
});

report('no-cross-account-actions names each outsider once, and is not given for trusted principals', () => {
  const mixed = check([
    allow({ AWS: ['*', FOREIGN, root(OWN)] }, 'kms:PutKeyPolicy', {
      Condition: { StringEquals: { 'kms:CallerAccount': [FOREIGN, OWN] } },
    }),
  ]);
  assert.equal(
    mixed.notices.map((n) => n.message),
    [`grants ${FOREIGN} only actions that have no effect across accounts`],
  );
  const several = check([allow({ AWS: [root(FOREIGN), root(PARTNER)] }, 'kms:TagResource')]);
  assert.equal(
    several.notices.map((n) => n.message),
    [`grants ${root(FOREIGN)}, ${root(PARTNER)} only actions that have no effect across accounts`],
  );
  assert.equal(check([allow({ AWS: [root(OWN), root(PARTNER)] }, 'kms:PutKeyPolicy')], [PARTNER]).notices, []);
  assert.equal(check([allow({ Service: 'logs.amazonaws.com' }, 'kms:PutKeyPolicy')]).notices, []);
});

report('a no-cross-account-actions statement never becomes a finding, even public', () => {
  const result = check([allow('*', ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'])]);
  assert.equal(result.findings, []);
  assert.is(result.public, false);
  assert.equal(codes(result), ['no-cross-account-actions']);
});

report('a Deny statement gets no notice about its principals or actions', () => {
  const result = check([
    { Effect: 'Deny', Principal: { AWS: 'AROAJ45Q7EXAMPLEXAMPL' }, Action: 'kms:PutKeyPolicy', Resource: '*' },
  ]);
  assert.equal(result.notices, []);
});

// --- order and grouping

report('one principal in several statements: one finding per statement, in statement order when severity ties', () => {
  const result = check([
    allow({ AWS: FOREIGN }, 'kms:Decrypt', { Sid: 'zeta' }),
    allow({ AWS: FOREIGN }, 'kms:Encrypt', { Sid: 'alpha' }),
    allow({ AWS: FOREIGN }, 'kms:DescribeKey', { Sid: 'beta' }),
  ]);
  assert.equal(
    result.findings.map((f) => [f.statement, f.severity]),
    [
      ['zeta', 'high'],
      ['alpha', 'high'],
      ['beta', 'medium'],
    ],
  );
});

report('findings are sorted critical, high, medium, low', () => {
  const result = check([
    allow({ AWS: '555555555555' }, ['kms:RetireGrant', 'kms:RevokeGrant']),
    allow({ AWS: '444444444444' }, 'kms:DescribeKey'),
    allow({ AWS: '333333333333' }, 'kms:Decrypt'),
    allow({ AWS: '222222222222' }, 'kms:CreateGrant'),
    allow({ AWS: '666666666666' }, 'kms:RevokeGrant'),
  ]);
  assert.equal(
    result.findings.map((f) => [f.severity, f.principal]),
    [
      ['critical', '222222222222'],
      ['high', '333333333333'],
      ['medium', '444444444444'],
      ['low', '555555555555'],
      ['low', '666666666666'],
    ],
  );
});

report('findings of one severity are sorted by principal, whatever order the policy names them in', () => {
  const result = check([allow({ AWS: ['444444444444', '333333333333', '555555555555'] })]);
  assert.equal(principals(result), ['333333333333', '444444444444', '555555555555']);
  const reversed = check([allow({ AWS: '555555555555' }), allow({ AWS: '333333333333' })]);
  assert.equal(principals(reversed), ['333333333333', '555555555555']);
});

report('the report is public when any finding is, and only then', () => {
  assert.ok(check([allow({ AWS: FOREIGN }), allow('*')]).public);
  assert.is(check([allow({ AWS: FOREIGN }), allow({ AWS: PARTNER })]).public, false);
  const findings = check([allow({ AWS: FOREIGN }), allow('*')]).findings;
  assert.equal(
    findings.map((f) => [f.principal, f.public]),
    [
      ['*', true],
      [FOREIGN, false],
    ],
  );
});

report('actions are listed once each, in a fixed order, however the statement spells them', () => {
  const result = check([allow({ AWS: FOREIGN }, ['kms:Encrypt', 'kms:Decrypt', 'kms:decrypt', 'kms:Enc*'])]);
  assert.equal(result.findings[0]?.actions, ['kms:Decrypt', 'kms:Encrypt']);
});

report.run();
