import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import { allow, check, codes, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

const rules = suite('policy rules');
const root = (account: string) => `arn:aws:iam::${account}:root`;

// --- 1. Only Allow grants; string-or-array everywhere; no Resource means no effect

rules('rule 1: a Deny statement never produces a finding', () => {
  const report = check([{ Effect: 'Deny', Principal: { AWS: root(FOREIGN) }, Action: 'kms:*', Resource: '*' }]);
  assert.equal(report.findings, []);
});

rules('rule 1: Statement given as a single object is read like a one-element list', () => {
  const report = check({ Version: '2012-10-17', Statement: allow({ AWS: root(FOREIGN) }) });
  assert.equal(principals(report), [root(FOREIGN)]);
});

rules('rule 1: Principal.AWS, Action and condition values may each be a string or a list', () => {
  const asStrings = check([
    allow({ AWS: FOREIGN }, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': FOREIGN } } }),
  ]);
  const asLists = check([
    allow({ AWS: [FOREIGN] }, ['kms:Decrypt'], { Condition: { StringEquals: { 'kms:CallerAccount': [FOREIGN] } } }),
  ]);
  assert.equal(asStrings.findings, asLists.findings);
  assert.equal(principals(asLists), [FOREIGN]);
});

rules('rule 1: a statement without Resource grants nothing and leaves a notice', () => {
  const report = check([{ Effect: 'Allow', Principal: '*', Action: 'kms:*' }]);
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['no-resource']);
});

// --- 2. Principal forms

rules('rule 2: "*" as the principal is public', () => {
  const report = check([allow('*')]);
  assert.ok(report.public);
  assert.equal(report.findings[0]?.principal, '*');
  assert.is(report.findings[0]?.account, null);
});

rules('rule 2: {"AWS": "*"} is public', () => {
  assert.ok(check([allow({ AWS: '*' })]).public);
});

rules('rule 2: "*" inside an AWS list is public, and the named account is still reported', () => {
  const report = check([allow({ AWS: [root(FOREIGN), '*'] })]);
  assert.ok(report.public);
  assert.equal(principals(report), ['*', root(FOREIGN)]);
});

rules('rule 2: a bare 12-digit ID means that account', () => {
  const report = check([allow({ AWS: FOREIGN })]);
  assert.equal(report.findings[0]?.account, FOREIGN);
  assert.equal(report.findings[0]?.reason, `account ${FOREIGN} is not trusted`);
});

rules('rule 2: IAM and STS principal ARNs belong to the account in the ARN', () => {
  const arns = [
    root(FOREIGN),
    `arn:aws:iam::${FOREIGN}:user/alice`,
    `arn:aws:iam::${FOREIGN}:role/path/Reader`,
    `arn:aws:sts::${FOREIGN}:assumed-role/Reader/session-1`,
    `arn:aws:sts::${FOREIGN}:federated-user/bob`,
  ];
  const report = check([allow({ AWS: arns })]);
  assert.equal(principals(report).sort(), [...arns].sort());
  assert.ok(report.findings.every((f) => f.account === FOREIGN));
});

rules('rule 2: principals of the key account are never findings', () => {
  const report = check([allow({ AWS: [root(OWN), `arn:aws:iam::${OWN}:role/App`, OWN] }, 'kms:*')]);
  assert.equal(report.findings, []);
});

rules('rule 2: Service principals are never findings', () => {
  const report = check([allow({ Service: ['logs.us-east-1.amazonaws.com', 'cloudtrail.amazonaws.com'] }, 'kms:*')]);
  assert.equal(report.findings, []);
  assert.equal(report.notices, []);
});

rules('rule 2: a Federated web-identity provider is a finding with no account', () => {
  const report = check([allow({ Federated: 'accounts.google.com' })]);
  assert.equal(principals(report), ['accounts.google.com']);
  assert.is(report.findings[0]?.account, null);
  assert.is(report.findings[0]?.public, false);
});

rules('rule 2: unique IDs of deleted principals are stale-principal notices, not findings', () => {
  const report = check([allow({ AWS: ['AROAJ45Q7EXAMPLEXAMPL', 'AIDAJQABLZS4A3QDU576Q'] })]);
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['stale-principal', 'stale-principal']);
});

rules('rule 2: a unique ID never hides a real principal beside it', () => {
  const report = check([allow({ AWS: ['AROAJ45Q7EXAMPLEXAMPL', root(FOREIGN)] })]);
  assert.equal(principals(report), [root(FOREIGN)]);
  assert.equal(codes(report), ['stale-principal']);
});

// --- 3. NotPrincipal and NotAction

rules('rule 3: Allow with NotPrincipal is public', () => {
  const report = check([{ Effect: 'Allow', NotPrincipal: { AWS: root(OWN) }, Action: 'kms:Decrypt', Resource: '*' }]);
  assert.ok(report.public);
  assert.equal(report.findings[0]?.severity, 'critical');
  assert.match(report.findings[0]?.reason ?? '', /NotPrincipal/);
});

rules('rule 3: NotAction grants every other action', () => {
  const report = check([
    { Effect: 'Allow', Principal: { AWS: root(FOREIGN) }, NotAction: ['kms:Decrypt', 'kms:Create*'], Resource: '*' },
  ]);
  const actions = report.findings[0]?.actions ?? [];
  assert.ok(actions.includes('kms:Encrypt'));
  assert.not.ok(actions.includes('kms:Decrypt'));
  assert.not.ok(actions.includes('kms:CreateGrant'));
});

// --- 4. Conditions that narrow the caller

const star = (condition: object, action: unknown = 'kms:Decrypt') => [allow('*', action, { Condition: condition })];

rules('rule 4: kms:CallerAccount, aws:PrincipalAccount and aws:SourceAccount under StringEquals narrow "*"', () => {
  for (const key of ['kms:CallerAccount', 'aws:PrincipalAccount', 'aws:SourceAccount']) {
    assert.equal(check(star({ StringEquals: { [key]: OWN } })).findings, [], key);
  }
});

rules('rule 4: condition key names are case-insensitive', () => {
  assert.equal(check(star({ StringEquals: { 'KMS:callerACCOUNT': OWN } })).findings, []);
});

rules('rule 4: StringLike without wildcards narrows; with a wildcard in the account it does not', () => {
  assert.equal(check(star({ StringLike: { 'kms:CallerAccount': OWN } })).findings, []);
  assert.ok(check(star({ StringLike: { 'kms:CallerAccount': '1111*' } })).public);
  assert.ok(check(star({ StringLike: { 'aws:PrincipalAccount': ['11111111111?'] } })).public);
});

rules('rule 4: ForAnyValue: forms narrow', () => {
  assert.equal(check(star({ 'ForAnyValue:StringEquals': { 'kms:CallerAccount': OWN } })).findings, []);
  assert.equal(check(star({ 'ForAnyValue:StringLike': { 'aws:PrincipalAccount': OWN } })).findings, []);
});

rules('rule 4: ForAllValues: and negated operators do not narrow', () => {
  for (const operator of ['ForAllValues:StringEquals', 'StringNotEquals', 'StringNotLike']) {
    const report = check(star({ [operator]: { 'kms:CallerAccount': OWN } }));
    assert.ok(report.public, operator);
  }
});

rules('rule 4: IfExists narrows on the keys every request carries, not on the others', () => {
  assert.equal(check(star({ StringEqualsIfExists: { 'kms:CallerAccount': OWN } })).findings, []);
  assert.ok(check(star({ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abcdef1234' } }), ['o-abcdef1234']).public);
});

rules('rule 4: aws:PrincipalArn narrows to the ARN account under ArnLike, ArnEquals and StringLike', () => {
  for (const operator of ['ArnLike', 'ArnEquals', 'StringLike', 'StringEquals']) {
    const report = check(star({ [operator]: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/App` } }));
    assert.equal(report.findings, [], operator);
  }
  assert.equal(check(star({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/*` } })).findings, []);
});

rules('rule 4: aws:PrincipalArn with a wildcard in or before the account field does not narrow', () => {
  assert.ok(check(star({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/App' } })).public);
  assert.ok(check(star({ StringLike: { 'aws:PrincipalArn': 'arn:aws:*' } })).public);
  assert.ok(check(star({ ArnLike: { 'aws:PrincipalArn': '*' } })).public);
});

rules('rule 4: aws:PrincipalOrgID narrows to the organization', () => {
  const report = check(star({ StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } }));
  assert.equal(principals(report), ['o-abcdef1234']);
  assert.is(report.public, false);
});

rules('rule 4: several keys are ANDed: one narrowing key is enough', () => {
  const report = check(
    star({ StringEquals: { 'kms:CallerAccount': OWN, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }),
  );
  assert.equal(report.findings, []);
  const twoOperators = check(
    star({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
      StringLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/*` },
    }),
  );
  assert.equal(twoOperators.findings, []);
});

rules('rule 4: several values of one key are ORed', () => {
  const report = check(star({ StringEquals: { 'kms:CallerAccount': [OWN, FOREIGN] } }));
  assert.equal(principals(report), [FOREIGN]);
});

rules('rule 4: kms:ViaService, kms:GrantIsForAWSResource and encryption context narrow nothing', () => {
  assert.ok(check(star({ StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } })).public);
  assert.ok(check(star({ Bool: { 'kms:GrantIsForAWSResource': 'true' } })).public);
  assert.ok(check(star({ StringEquals: { 'kms:EncryptionContext:app': 'payments' } })).public);
  const named = check([
    allow({ AWS: root(FOREIGN) }, 'kms:Decrypt', {
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    }),
  ]);
  assert.equal(principals(named), [root(FOREIGN)]);
});

// --- 5. What a narrowed statement yields

rules('rule 5: "*" narrowed to accounts yields each untrusted account, reported as the account ID', () => {
  const report = check(star({ StringEquals: { 'kms:CallerAccount': [OWN, PARTNER, FOREIGN] } }), [PARTNER]);
  assert.equal(principals(report), [FOREIGN]);
  assert.equal(report.findings[0]?.account, FOREIGN);
  assert.is(report.public, false);
});

rules('rule 5: "*" narrowed to an organization is a finding unless the organization is trusted', () => {
  const condition = { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } };
  const untrusted = check(star(condition));
  assert.equal(untrusted.findings[0]?.reason, 'organization o-abcdef1234 is not trusted');
  assert.is(untrusted.findings[0]?.account, null);
  assert.equal(check(star(condition), ['o-abcdef1234']).findings, []);
});

rules('rule 5: "*" narrowed by aws:PrincipalArn yields the ARN pattern', () => {
  const pattern = `arn:aws:iam::${FOREIGN}:role/Reader*`;
  const report = check(star({ ArnLike: { 'aws:PrincipalArn': pattern } }));
  assert.equal(principals(report), [pattern]);
  assert.equal(report.findings[0]?.account, FOREIGN);
});

rules('rule 5: a named principal contradicted by its own condition grants nothing', () => {
  const report = check([
    allow({ AWS: root(FOREIGN) }, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': OWN } } }),
  ]);
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['contradictory-condition']);
});

rules('rule 5: "*" under StringEquals is a literal that matches no account: nothing granted, a notice', () => {
  const report = check(star({ StringEquals: { 'kms:CallerAccount': '*' } }));
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['unmatchable-condition']);
});

rules('rule 5: a trusted organization covers a wildcard ARN pattern confined to it', () => {
  const report = check(
    star({
      StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' },
      ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Backup' },
    }),
    ['o-abcdef1234'],
  );
  assert.equal(report.findings, []);
});

// --- 6. Deny statements subtract

const guard = (key: string, values: string[], action: unknown = 'kms:*') => ({
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: '*',
  Condition: { StringNotEquals: { [key]: values } },
});

rules('rule 6: a Deny guard on aws:PrincipalAccount removes everyone outside its accounts', () => {
  const report = check([allow('*'), allow({ AWS: root(FOREIGN) }), guard('aws:PrincipalAccount', [OWN])]);
  assert.equal(report.findings, []);
});

rules('rule 6: a Deny guard on kms:CallerAccount leaves only its accounts, which are then judged', () => {
  const report = check([allow('*', 'kms:Decrypt'), guard('kms:CallerAccount', [OWN, FOREIGN])]);
  assert.equal(principals(report), [FOREIGN]);
  assert.is(report.public, false);
});

rules('rule 6: a Deny guard on aws:PrincipalOrgID confines the Allow to the organization', () => {
  const report = check([allow('*'), guard('aws:PrincipalOrgID', ['o-abcdef1234'])], ['o-abcdef1234']);
  assert.equal(report.findings, []);
});

rules('rule 6: a Deny aimed at one principal does nothing for the others', () => {
  const report = check([
    allow({ AWS: [root(FOREIGN), root(PARTNER)] }),
    { Effect: 'Deny', Principal: { AWS: root(FOREIGN) }, Action: 'kms:*', Resource: '*' },
  ]);
  assert.equal(principals(report), [root(PARTNER)]);
});

rules('rule 6: a Deny of some actions leaves the rest granted', () => {
  const report = check([
    allow('*', ['kms:Decrypt', 'kms:DescribeKey']),
    guard('aws:PrincipalAccount', [OWN], 'kms:Decrypt'),
  ]);
  assert.equal(principals(report), ['*']);
  assert.equal(report.findings[0]?.actions, ['kms:DescribeKey']);
});

rules('rule 6: a Deny with other conditions beside the guard is not relied on', () => {
  const deny = guard('aws:PrincipalAccount', [OWN]);
  const weakened = { ...deny, Condition: { ...deny.Condition, Bool: { 'aws:ViaAWSService': 'false' } } };
  assert.ok(check([allow('*'), weakened]).public);
});

// --- 7. Only cross-account actions matter

rules('rule 7: a foreign principal with only PutKeyPolicy or ScheduleKeyDeletion gets a notice, not a finding', () => {
  const report = check([allow({ AWS: root(FOREIGN) }, ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'])]);
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['no-cross-account-actions']);
});

rules('rule 7: kms:* and wildcards expand to the cross-account actions', () => {
  const all = check([allow({ AWS: root(FOREIGN) }, 'kms:*')]).findings[0]?.actions ?? [];
  assert.equal(all.length, 19, 'the 20 cross-account actions but kms:RetireGrant, which a key policy cannot give');
  assert.not.ok(all.includes('kms:RetireGrant'));
  assert.ok(all.includes('kms:DeriveSharedSecret'));
  const generate = check([allow({ AWS: root(FOREIGN) }, 'kms:GenerateDataKey*')]).findings[0]?.actions;
  assert.equal(generate, [
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext',
    'kms:GenerateDataKeyWithoutPlaintext',
  ]);
  const mixedCase = check([allow({ AWS: root(FOREIGN) }, 'KMS:decrypt')]).findings[0]?.actions;
  assert.equal(mixedCase, ['kms:Decrypt']);
});

// --- 8. Severity

rules('rule 8: public access, CreateGrant and kms:* are critical', () => {
  assert.is(check([allow('*', 'kms:DescribeKey')]).findings[0]?.severity, 'critical');
  assert.is(check([allow({ AWS: FOREIGN }, 'kms:CreateGrant')]).findings[0]?.severity, 'critical');
  assert.is(check([allow({ AWS: FOREIGN }, 'kms:*')]).findings[0]?.severity, 'critical');
});

rules('rule 8: cryptographic use is high, read-only metadata medium, grant removal low', () => {
  assert.is(check([allow({ AWS: FOREIGN }, ['kms:Decrypt', 'kms:DescribeKey'])]).findings[0]?.severity, 'high');
  assert.is(check([allow({ AWS: FOREIGN }, 'kms:Sign')]).findings[0]?.severity, 'high');
  const metadata = ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:GetKeyRotationStatus', 'kms:ListGrants'];
  assert.is(check([allow({ AWS: FOREIGN }, metadata)]).findings[0]?.severity, 'medium');
  assert.is(check([allow({ AWS: FOREIGN }, 'kms:RevokeGrant')]).findings[0]?.severity, 'low');
});

// --- 9. One finding per principal per statement, sorted

rules('rule 9: a principal repeated within a statement counts once', () => {
  const report = check([allow({ AWS: [root(FOREIGN), root(FOREIGN)] })]);
  assert.is(report.findings.length, 1);
});

rules('rule 9: two spellings of one account are two principals tied by account', () => {
  const report = check([allow({ AWS: [FOREIGN, root(FOREIGN)] })]);
  assert.equal(principals(report), [FOREIGN, root(FOREIGN)]);
  assert.ok(report.findings.every((f) => f.account === FOREIGN));
});

rules('rule 9: findings are sorted by severity, then principal', () => {
  const report = check([
    allow({ AWS: ['333333333333', FOREIGN] }, 'kms:DescribeKey'),
    allow({ AWS: [FOREIGN, '444444444444'] }, 'kms:Decrypt', { Sid: 'use' }),
    allow({ AWS: '555555555555' }, 'kms:CreateGrant', { Sid: 'grants' }),
  ]);
  assert.equal(
    report.findings.map((f) => `${f.severity} ${f.principal} ${f.statement}`),
    [
      'critical 555555555555 grants',
      'high 444444444444 use',
      `high ${FOREIGN} use`,
      'medium 333333333333 #1',
      `medium ${FOREIGN} #1`,
    ],
  );
});

// --- trust zone

rules('trust: a root ARN entry trusts the account, across partitions', () => {
  const report = check(
    [allow({ AWS: [`arn:aws-cn:iam::${PARTNER}:root`, `arn:aws-us-gov:iam::${PARTNER}:role/X`] })],
    [`arn:aws:iam::${PARTNER}:root`],
  );
  assert.equal(report.findings, []);
});

rules('trust: a principal ARN entry trusts exactly that principal, case-sensitively, and not its account', () => {
  const backup = `arn:aws:iam::${PARTNER}:role/Backup`;
  const report = check([allow({ AWS: [backup, `arn:aws:iam::${PARTNER}:role/backup`, root(PARTNER)] })], [backup]);
  assert.equal(principals(report), [`arn:aws:iam::${PARTNER}:role/backup`, root(PARTNER)]);
});

rules('trust: a trusted account ID does not match by substring', () => {
  const report = check([allow({ AWS: `arn:aws:iam::${FOREIGN}:role/${PARTNER}-reader` })], [PARTNER]);
  assert.is(report.findings.length, 1);
});

// --- hard cases found in review

// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
const RESOURCE_ORG = '${aws:ResourceOrgID}';

rules(
  'the key organization variable confines to one organization, never trusted unless known, and never removes a named account',
  () => {
    // IAM's global condition keys page: aws:ResourceOrgID is the organization of the account that owns the resource.
    const narrowed = check(star({ StringEquals: { 'aws:PrincipalOrgID': RESOURCE_ORG } }));
    assert.is(narrowed.public, false, 'one organization at most: not public');
    assert.equal(
      narrowed.findings.map((f) => [f.kind, f.principal]),
      [['organization', RESOURCE_ORG]],
      'not "grants nothing" either',
    );
    assert.equal(
      check(star({ StringEquals: { 'aws:PrincipalOrgID': RESOURCE_ORG } }), ['o-abcdef1234']).findings.length,
      1,
    );
    const known = checkPolicyText(
      JSON.stringify({ Statement: star({ StringEquals: { 'aws:PrincipalOrgID': RESOURCE_ORG } }) }),
      OWN,
      [parseTrustEntry('o-abcdef1234')],
      'o-abcdef1234',
    );
    assert.equal(known.findings, [], 'the key organization known and trusted');
    const guarded = check([
      allow({ AWS: FOREIGN }),
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalOrgID': RESOURCE_ORG } },
      },
    ]);
    assert.equal(principals(guarded), [FOREIGN]);
  },
);

rules('IgnoreCase operators match organization IDs and ARNs in any case', () => {
  const report = check(star({ StringEqualsIgnoreCase: { 'aws:PrincipalOrgID': 'O-ABCDEF1234' } }), ['o-abcdef1234']);
  assert.equal(report.findings, []);
  assert.equal(report.notices, []);
});

rules('a session principal is not dropped by a condition on its role ARN', () => {
  const session = `arn:aws:sts::${FOREIGN}:assumed-role/Reader/s1`;
  const report = check([
    allow({ AWS: session }, 'kms:Decrypt', {
      Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${FOREIGN}:role/Reader` } },
    }),
  ]);
  assert.equal(principals(report), [session]);
});

rules('a Deny guard testing both account keys leaves the accounts they list', () => {
  const report = check([
    allow('*'),
    {
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalAccount': OWN, 'kms:CallerAccount': OWN } },
    },
  ]);
  assert.equal(report.findings, []);
});

rules('Federated: a provider ARN is a finding even in the key account; confined to trusted accounts it is not', () => {
  const github = `arn:aws:iam::${OWN}:oidc-provider/token.actions.githubusercontent.com`;
  assert.equal(principals(check([allow({ Federated: github })])), [github]);
  const confined = check([
    allow({ Federated: 'accounts.google.com' }, 'kms:Decrypt', {
      Condition: { StringEquals: { 'kms:CallerAccount': OWN } },
    }),
  ]);
  assert.equal(confined.findings, []);
  const denied = check([
    allow({ Federated: 'accounts.google.com' }),
    { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' },
  ]);
  assert.equal(denied.findings, []);
});

rules('conditions that contradict each other grant nothing, with a notice', () => {
  const report = check(star({ StringEquals: { 'kms:CallerAccount': FOREIGN, 'aws:PrincipalAccount': PARTNER } }));
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['contradictory-condition']);
});

rules('two statements that share a Sid keep two labels, so neither finding hides the other', () => {
  const report = check([
    allow({ AWS: FOREIGN }, 'kms:*', { Sid: 'S' }),
    allow({ AWS: FOREIGN }, 'kms:DescribeKey', { Sid: 'S' }),
  ]);
  assert.equal(
    report.findings.map((f) => [f.statement, f.severity]),
    [
      ['S (#1)', 'critical'],
      ['S (#2)', 'medium'],
    ],
  );
});

rules('patterns full of wildcards are matched in linear time', () => {
  const role = `arn:aws:iam::${FOREIGN}:role/${'a'.repeat(2000)}`;
  const pattern = `arn:aws:iam::${FOREIGN}:role/${'*a'.repeat(200)}*b`;
  const report = check([
    allow({ AWS: role }, `kms:${'*?'.repeat(300)}Z`, { Condition: { ArnLike: { 'aws:PrincipalArn': pattern } } }),
  ]);
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['contradictory-condition']);
});

rules.run();
