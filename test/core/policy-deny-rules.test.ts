import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allow, check, codes, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

/**
 * docs/how-it-decides.md, "How a policy is judged": a Deny for "*" whose only condition is StringNotEquals on aws:PrincipalAccount /
 * kms:CallerAccount (or aws:PrincipalOrgID) removes everyone outside that set from the actions it covers; an
 * unconditional Deny of named principals removes those principals. Any other Deny is not relied on: it can leave a
 * finding in place, never hide one.
 */
const deny = suite('Deny statements: which are relied on, and what they take away');
const root = (account: string) => `arn:aws:iam::${account}:root`;
const ORG = 'o-abcdef1234';
const OTHER_ORG = 'o-zzzzzzzzzz';

/** `Deny "*"` on every action with the given condition (none when undefined). */
const denyAll = (condition?: object, extra: object = {}) => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  ...(condition === undefined ? {} : { Condition: condition }),
  ...extra,
});
const guard = (key: string, values: unknown, operator = 'StringNotEquals', extra: object = {}) =>
  denyAll({ [operator]: { [key]: values } }, extra);
const denyNamed = (aws: unknown, extra: object = {}) => ({
  Effect: 'Deny',
  Principal: { AWS: aws },
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});

/** The policy that every test below tries to protect: the key is public, and named for FOREIGN. */
const exposed = () => [allow('*'), allow({ AWS: FOREIGN })];

// --- a Deny for "*"

deny('an unconditional Deny for "*" leaves nobody, whoever the Allow names', () => {
  const report = check([
    allow('*'),
    allow({ AWS: [root(FOREIGN), `arn:aws:iam::${PARTNER}:role/Reader`] }),
    allow({ Federated: 'accounts.google.com' }),
    allow({ CanonicalUser: 'a'.repeat(64) }),
    denyAll(),
  ]);
  assert.equal(report.findings, []);
  assert.is(report.public, false);
});

deny('a Deny for "*" given as {"AWS": "*"} or inside a list is a Deny for everyone', () => {
  assert.equal(check([...exposed(), { ...denyAll(), Principal: { AWS: '*' } }]).findings, []);
  assert.equal(check([...exposed(), { ...denyAll(), Principal: { AWS: [root(PARTNER), '*'] } }]).findings, []);
});

deny('a Deny takes away only the actions it covers, and the severity follows what is left', () => {
  const report = check([
    allow({ AWS: FOREIGN }, ['kms:Decrypt', 'kms:CreateGrant', 'kms:DescribeKey']),
    denyAll(undefined, { Action: ['kms:Decrypt', 'kms:CreateGrant'] }),
  ]);
  assert.equal(principals(report), [FOREIGN]);
  assert.equal(report.findings[0]?.actions, ['kms:DescribeKey']);
  assert.is(report.findings[0]?.severity, 'medium');
});

deny('a Deny with NotAction takes away every action but the ones it names', () => {
  const report = check([
    allow({ AWS: FOREIGN }, ['kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant']),
    denyAll(undefined, { Action: undefined, NotAction: 'kms:Decrypt' }),
  ]);
  assert.equal(principals(report), [FOREIGN]);
  assert.equal(report.findings[0]?.actions, ['kms:Decrypt']);
  assert.is(report.findings[0]?.severity, 'high');
});

deny('a Deny of actions that do not work across accounts takes nothing away', () => {
  const report = check([...exposed(), denyAll(undefined, { Action: ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'] })]);
  assert.equal(principals(report), ['*', FOREIGN]);
  assert.ok(report.public);
});

deny('a Deny without Resource is not relied on, and gets its no-resource notice', () => {
  for (const statement of [denyAll(undefined, { Resource: undefined }), denyNamed(FOREIGN, { Resource: undefined })]) {
    const report = check([...exposed(), statement]);
    assert.equal(principals(report), ['*', FOREIGN], JSON.stringify(statement));
    assert.ok(report.public);
    assert.equal(codes(report), ['no-resource']);
  }
  const guarded = check([...exposed(), guard('aws:PrincipalAccount', OWN, 'StringNotEquals', { Resource: undefined })]);
  assert.equal(principals(guarded), ['*', FOREIGN]);
});

deny('a Deny without Action is not relied on, and gets its no-action notice', () => {
  const report = check([...exposed(), denyAll(undefined, { Action: undefined })]);
  assert.equal(principals(report), ['*', FOREIGN]);
  assert.equal(codes(report), ['no-action']);
});

/*
 * IAM's "AWS JSON policy elements: NotPrincipal" page: "Deny" with NotPrincipal denies every principal except the ones
 * named. The engine reads each listed principal as its whole account surviving (the reading that denies least).
 */
deny('a Deny with NotPrincipal and no condition leaves only the accounts of the principals it lists', () => {
  const denyAllBut = (aws: unknown, extra: object = {}) => ({
    Effect: 'Deny',
    NotPrincipal: { AWS: aws },
    Action: 'kms:*',
    Resource: '*',
    ...extra,
  });
  assert.equal(check([...exposed(), denyAllBut(root(OWN))]).findings, []);
  assert.equal(check([...exposed(), denyAllBut(OWN)]).findings, []);
  // A role's ARN: its whole account is read as surviving, so the public statement is that account's, here the key's.
  assert.equal(check([...exposed(), denyAllBut([`arn:aws:iam::${OWN}:role/Admin`])]).findings, []);
  const partner = check([...exposed(), denyAllBut([root(OWN), `arn:aws:sts::${PARTNER}:assumed-role/R/s`])]);
  assert.equal(
    partner.findings.map((f) => [f.statement, f.principal, f.public]),
    [['#1', PARTNER, false]],
  );
  assert.equal(check([...exposed(), denyAllBut([root(OWN), root(PARTNER)])], [PARTNER]).findings, []);
  // Only the actions the Deny covers are taken away.
  const some = check([...exposed(), denyAllBut(root(OWN), { Action: 'kms:Decrypt' })]);
  assert.equal(principals(some), []);
  const other = check([...exposed(), denyAllBut(root(OWN), { Action: 'kms:Encrypt' })]);
  assert.equal(principals(other), ['*', FOREIGN]);
});

deny(
  'a Deny with NotPrincipal is not relied on with a condition, another resource, or a principal of no account',
  () => {
    for (const statement of [
      { Effect: 'Deny', NotPrincipal: { AWS: '*' }, Action: 'kms:*', Resource: '*' },
      {
        Effect: 'Deny',
        NotPrincipal: { AWS: root(OWN) },
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/x': 'y' } },
      },
      { Effect: 'Deny', NotPrincipal: { AWS: root(OWN) }, Action: 'kms:*', NotResource: '*' },
      {
        Effect: 'Deny',
        NotPrincipal: { AWS: root(OWN), Federated: 'accounts.google.com' },
        Action: 'kms:*',
        Resource: '*',
      },
      { Effect: 'Deny', NotPrincipal: { AWS: [root(OWN), 'AROAEXAMPLEID1234567'] }, Action: 'kms:*', Resource: '*' },
    ]) {
      const report = check([...exposed(), statement]);
      assert.equal(principals(report), ['*', FOREIGN], JSON.stringify(statement));
      assert.ok(report.public);
    }
  },
);

deny('a Deny alone grants nothing, whatever its condition, and needs no notice', () => {
  const report = check([
    denyNamed(FOREIGN, { Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': FOREIGN } } }),
  ]);
  assert.equal(report.findings, []);
  assert.equal(report.notices, []);
});

// --- guards on the caller's account

deny('a guard on aws:PrincipalAccount or kms:CallerAccount is relied on under every StringNotEquals spelling', () => {
  for (const operator of [
    'StringNotEquals',
    'StringNotEqualsIgnoreCase',
    'StringNotEqualsIfExists',
    'StringNotEqualsIgnoreCaseIfExists',
  ]) {
    for (const key of ['aws:PrincipalAccount', 'kms:CallerAccount', 'AWS:principalaccount']) {
      assert.equal(check([...exposed(), guard(key, OWN, operator)]).findings, [], `${operator} ${key}`);
    }
  }
});

deny('a guard whose operator is not StringNotEquals is not relied on', () => {
  for (const operator of [
    'StringEquals',
    'StringEqualsIgnoreCase',
    'StringNotLike',
    'StringLike',
    'ForAnyValue:StringNotEquals',
    'ForAllValues:StringNotEquals',
    'ArnNotEquals',
    'NumericNotEquals',
  ]) {
    const report = check([...exposed(), guard('aws:PrincipalAccount', OWN, operator)]);
    assert.equal(principals(report), ['*', FOREIGN], operator);
    assert.ok(report.public, operator);
  }
});

deny('a Deny with an operator IAM does not know is not relied on', () => {
  // IAM refuses these names, but the engine reads a policy it is given: one that merely starts like StringNotEquals
  // is not the guard it resembles.
  for (const operator of ['StringNotEqualsX', 'StringNotEqualsIgnoreCaseIfExistsNow', 'StringNotEquals:']) {
    const report = check([...exposed(), guard('aws:PrincipalAccount', OWN, operator)]);
    assert.equal(principals(report), ['*', FOREIGN], operator);
    assert.ok(report.public, operator);
  }
});

deny('a StringEquals Deny is not read as StringNotEquals: it removes only the account it names', () => {
  // "Deny callers of FOREIGN" takes FOREIGN's access away (AWS does that), but the engine relies on none of it:
  // the public statement stays public and FOREIGN stays a finding.
  const report = check([...exposed(), guard('aws:PrincipalAccount', FOREIGN, 'StringEquals')]);
  assert.equal(principals(report), ['*', FOREIGN]);
});

deny('a guard on another account key (aws:SourceAccount, aws:SourceOwner) is not relied on', () => {
  for (const key of ['aws:SourceAccount', 'aws:SourceOwner', 'aws:ResourceAccount']) {
    const report = check([...exposed(), guard(key, OWN)]);
    assert.equal(principals(report), ['*', FOREIGN], key);
  }
});

deny('a guard whose values are not all account IDs is not relied on', () => {
  for (const values of [
    '*',
    '1111*',
    root(OWN),
    [OWN, '*'],
    [OWN, root(OWN)],
    [OWN, '11111111111'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
    '${aws:PrincipalTag/account}',
  ]) {
    const report = check([...exposed(), guard('aws:PrincipalAccount', values)]);
    assert.equal(principals(report), ['*', FOREIGN], JSON.stringify(values));
    assert.ok(report.public, JSON.stringify(values));
  }
});

deny('a guard leaves the accounts it lists, each judged against the trust zone', () => {
  const report = check([...exposed(), guard('kms:CallerAccount', [OWN, PARTNER, FOREIGN])], [PARTNER]);
  assert.equal(
    report.findings.map((f) => [f.statement, f.principal, f.account, f.public]),
    [
      ['#1', FOREIGN, FOREIGN, false],
      ['#2', FOREIGN, FOREIGN, false],
    ],
  );
  assert.is(report.public, false);
});

deny('a guard testing both account keys leaves every account either of them lists', () => {
  const report = check([
    allow('*'),
    denyAll({ StringNotEquals: { 'aws:PrincipalAccount': OWN, 'kms:CallerAccount': [OWN, FOREIGN] } }),
  ]);
  assert.equal(principals(report), [FOREIGN]);
});

deny('a guard with any other condition beside it is not relied on', () => {
  for (const condition of [
    { StringNotEquals: { 'aws:PrincipalAccount': OWN }, Bool: { 'aws:ViaAWSService': 'false' } },
    { StringNotEquals: { 'aws:PrincipalAccount': OWN, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    { StringNotEquals: { 'aws:PrincipalAccount': OWN }, StringEquals: { 'kms:CallerAccount': FOREIGN } },
    { StringNotEquals: { 'aws:PrincipalAccount': OWN, 'aws:SourceAccount': FOREIGN } },
    { StringNotEquals: { 'aws:PrincipalAccount': OWN }, Bool: { 'aws:PrincipalIsAWSService': 'true' } },
  ]) {
    const report = check([...exposed(), denyAll(condition)], [ORG]);
    assert.equal(principals(report), ['*', FOREIGN], JSON.stringify(condition));
  }
});

deny('a guard does not narrow what a trusted account is granted: the key account keeps its access silently', () => {
  const report = check([allow({ AWS: [root(OWN), root(FOREIGN)] }), guard('aws:PrincipalAccount', OWN)]);
  assert.equal(report.findings, []);
  assert.equal(report.notices, []);
});

deny("a guard meets the Allow's own narrowing: only accounts both allow survive", () => {
  const narrowed = allow('*', 'kms:Decrypt', {
    Condition: { StringEquals: { 'kms:CallerAccount': [PARTNER, FOREIGN] } },
  });
  assert.equal(principals(check([narrowed, guard('aws:PrincipalAccount', [OWN, FOREIGN])])), [FOREIGN]);
  assert.equal(check([narrowed, guard('aws:PrincipalAccount', OWN)]).findings, []);
});

deny('a guard removes a Federated or canonical-user grantee too', () => {
  const report = check([
    allow({ Federated: 'accounts.google.com' }),
    allow({ CanonicalUser: 'a'.repeat(64) }),
    guard('kms:CallerAccount', OWN),
  ]);
  assert.equal(report.findings, []);
  const leaky = check([allow({ Federated: 'accounts.google.com' }), guard('kms:CallerAccount', [OWN, FOREIGN])]);
  assert.equal(principals(leaky), ['accounts.google.com']);
});

deny('guards covering different actions each take their own actions away', () => {
  const report = check([
    allow('*', ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey']),
    guard('aws:PrincipalAccount', OWN, 'StringNotEquals', { Action: 'kms:Decrypt' }),
    guard('kms:CallerAccount', [OWN, FOREIGN], 'StringNotEquals', { Action: 'kms:Encrypt' }),
  ]);
  assert.equal(
    report.findings.map((f) => [f.principal, f.actions, f.severity, f.public]),
    [
      ['*', ['kms:DescribeKey'], 'critical', true],
      [FOREIGN, ['kms:Encrypt'], 'high', false],
    ],
  );
});

deny('a principal left some actions by a guard and others by no Deny gets one finding with all of them', () => {
  const report = check([
    allow({ AWS: FOREIGN }, ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey']),
    guard('aws:PrincipalAccount', [OWN, FOREIGN], 'StringNotEquals', { Action: 'kms:Decrypt' }),
  ]);
  assert.equal(
    report.findings.map((f) => [f.principal, f.actions]),
    [[FOREIGN, ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt']]],
  );
});

// --- guards on the organization

deny('an organization guard confines every Allow to the organization, which is then judged', () => {
  const report = check([...exposed(), guard('aws:PrincipalOrgID', ORG)]);
  assert.equal(
    report.findings.map((f) => [f.statement, f.principal, f.account, f.public, f.reason]),
    [
      ['#2', FOREIGN, FOREIGN, false, `account ${FOREIGN} is not trusted`],
      ['#1', ORG, null, false, `organization ${ORG} is not trusted`],
    ],
  );
  assert.equal(check([...exposed(), guard('aws:PrincipalOrgID', ORG)], [ORG]).findings, []);
});

deny('an organization guard listing several organizations is trusted only when every one of them is', () => {
  const statements = [allow('*'), guard('aws:PrincipalOrgID', [ORG, OTHER_ORG])];
  assert.equal(principals(check(statements, [ORG])), [OTHER_ORG]);
  assert.equal(check(statements, [ORG, OTHER_ORG]).findings, []);
});

deny('an organization guard under StringNotEqualsIgnoreCase is read in any case; case-sensitive it is not', () => {
  assert.equal(
    check([...exposed(), guard('aws:PrincipalOrgID', 'O-ABCDEF1234', 'StringNotEqualsIgnoreCase')], [ORG]).findings,
    [],
  );
  const exact = check([...exposed(), guard('aws:PrincipalOrgID', 'O-ABCDEF1234')], [ORG]);
  assert.equal(principals(exact), ['*', FOREIGN]);
});

deny('an organization guard with extra conditions is not relied on', () => {
  for (const condition of [
    { StringNotEquals: { 'aws:PrincipalOrgID': ORG }, Bool: { 'aws:PrincipalIsAWSService': 'true' } },
    { StringNotEquals: { 'aws:PrincipalOrgID': ORG }, Bool: { 'aws:ViaAWSService': 'false' } },
    { StringNotEquals: { 'aws:PrincipalOrgID': ORG, 'aws:SourceAccount': OWN } },
    { StringNotEquals: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalOrgPaths': `${ORG}/r-ab12/` } },
  ]) {
    const report = check([...exposed(), denyAll(condition)], [ORG]);
    assert.equal(principals(report), ['*', FOREIGN], JSON.stringify(condition));
    assert.ok(report.public);
  }
});

/*
 * IAM's "Policy evaluation logic": the conditions of a statement are ANDed, so "deny when the caller's account is not
 * listed AND its organization is not ORG" spares the listed accounts OR the members of ORG.
 */
deny('a guard testing the account and the organization leaves the listed accounts or the organization', () => {
  for (const condition of [
    { StringNotEquals: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalAccount': OWN } },
    { StringNotEquals: { 'aws:PrincipalOrgID': ORG }, StringNotEqualsIfExists: { 'kms:CallerAccount': OWN } },
    { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalAccount': [OWN, PARTNER] } },
  ]) {
    const what = JSON.stringify(condition);
    const untrusted = check([allow('*'), denyAll(condition)]);
    assert.equal(
      principals(untrusted),
      condition.StringNotEqualsIfExists?.['aws:PrincipalAccount'] ? [PARTNER, ORG] : [ORG],
      what,
    );
    assert.is(untrusted.public, false, what);
    assert.equal(check([...exposed(), denyAll(condition)], [ORG, PARTNER]).findings, [], what);
  }
  // FOREIGN named outright is still reported: the engine cannot tell whether it is a member of ORG.
  assert.equal(
    principals(
      check([
        allow({ AWS: FOREIGN }),
        denyAll({ StringNotEquals: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalAccount': OWN } }),
      ]),
    ),
    [FOREIGN],
  );
});

/*
 * IAM's global condition keys page: aws:PrincipalIsAWSService is present in every signed request and is false for
 * every IAM principal, so a guard's `Bool aws:PrincipalIsAWSService false` (AWS's data-perimeter examples) holds for
 * every principal of an account: the guard is relied on as if it were not there.
 */
deny('a guard that spares AWS service principals (aws:PrincipalIsAWSService false) is relied on', () => {
  for (const bool of ['Bool', 'BoolIfExists']) {
    const org = denyAll({
      StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG },
      [bool]: { 'aws:PrincipalIsAWSService': 'false' },
    });
    assert.equal(check([...exposed(), org], [ORG]).findings, [], bool);
    const account = denyAll({
      StringNotEquals: { 'aws:PrincipalAccount': OWN },
      [bool]: { 'aws:PrincipalIsAWSService': false },
    });
    assert.equal(check([...exposed(), account]).findings, [], bool);
  }
  assert.equal(check([...exposed(), denyAll({ Bool: { 'aws:PrincipalIsAWSService': 'false' } })]).findings, []);
});

/* The guard AWS managed policies use: "aws:PrincipalAccount": "${aws:ResourceAccount}" is the key's own account. */
deny("a guard on the aws:ResourceAccount variable leaves the key's own account", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
  const resourceAccount = '${aws:ResourceAccount}';
  assert.equal(check([...exposed(), guard('aws:PrincipalAccount', resourceAccount)]).findings, []);
  assert.equal(check([...exposed(), guard('kms:CallerAccount', [resourceAccount, PARTNER])], [PARTNER]).findings, []);
  assert.equal(principals(check([...exposed(), guard('kms:CallerAccount', [resourceAccount, PARTNER])])), [PARTNER]);
});
deny(
  'an organization guard whose values are not organization IDs, or whose operator is not StringNotEquals, is not relied on',
  () => {
    for (const [values, operator] of [
      ['o-*', 'StringNotEquals'],
      ['o-abc', 'StringNotEquals'],
      [[ORG, 'r-ab12'], 'StringNotEquals'],
      [ORG, 'StringEquals'],
      [ORG, 'StringNotLike'],
      [ORG, 'ForAnyValue:StringNotEquals'],
    ] as const) {
      const report = check([...exposed(), guard('aws:PrincipalOrgID', values, operator)], [ORG]);
      assert.equal(principals(report), ['*', FOREIGN], `${operator} ${JSON.stringify(values)}`);
    }
  },
);

deny('a guard on an organization key other than aws:PrincipalOrgID is not relied on', () => {
  for (const key of ['aws:ResourceOrgID', 'aws:SourceOrgID']) {
    assert.equal(principals(check([...exposed(), guard(key, ORG)], [ORG])), ['*', FOREIGN], key);
  }
});

deny('a guard on aws:PrincipalOrgPaths is not relied on', () => {
  const report = check([...exposed(), guard('aws:PrincipalOrgPaths', `${ORG}/r-ab12/`)], [ORG]);
  assert.equal(principals(report), ['*', FOREIGN]);
});

// --- a Deny of named principals

deny('an unconditional Deny of a named principal removes exactly that principal', () => {
  const reader = `arn:aws:iam::${FOREIGN}:role/Reader`;
  const writer = `arn:aws:iam::${FOREIGN}:role/Writer`;
  const report = check([allow({ AWS: [reader, writer] }), denyNamed(reader)]);
  assert.equal(principals(report), [writer]);
});

deny('a Deny of a named principal does not remove its account, nor the public grant', () => {
  const reader = `arn:aws:iam::${FOREIGN}:role/Reader`;
  const report = check([allow('*'), allow({ AWS: [root(FOREIGN), FOREIGN] }), denyNamed(reader)]);
  assert.equal(principals(report), ['*', FOREIGN, root(FOREIGN)]);
  assert.ok(report.public);
});

deny('a Deny of an account (its ID or its root ARN, any partition) removes every principal of that account', () => {
  const allowed = [
    root(FOREIGN),
    FOREIGN,
    `arn:aws:iam::${FOREIGN}:role/Reader`,
    `arn:aws:sts::${FOREIGN}:assumed-role/Reader/s1`,
    root(PARTNER),
  ];
  for (const denied of [FOREIGN, root(FOREIGN), `arn:aws-cn:iam::${FOREIGN}:root`, [PARTNER, FOREIGN]]) {
    const report = check([allow({ AWS: allowed }), denyNamed(denied)]);
    const left = Array.isArray(denied) ? [] : [root(PARTNER)];
    assert.equal(principals(report), left, JSON.stringify(denied));
  }
});

deny('a Deny of an account removes that account from "*" narrowed to it, by account or by ARN pattern', () => {
  const byAccount = allow('*', 'kms:Decrypt', {
    Condition: { StringEquals: { 'kms:CallerAccount': [FOREIGN, PARTNER] } },
  });
  assert.equal(principals(check([byAccount, denyNamed(root(FOREIGN))])), [PARTNER]);
  const byArn = allow('*', 'kms:Decrypt', {
    Condition: {
      ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${FOREIGN}:role/*`, `arn:aws:iam::${PARTNER}:role/*`] },
    },
  });
  assert.equal(principals(check([byArn, denyNamed(FOREIGN)])), [`arn:aws:iam::${PARTNER}:role/*`]);
});

deny('a Deny of a principal removes "*" narrowed to exactly that principal ARN', () => {
  const reader = `arn:aws:iam::${FOREIGN}:role/Reader`;
  const narrowed = allow('*', 'kms:Decrypt', { Condition: { ArnEquals: { 'aws:PrincipalArn': reader } } });
  assert.equal(check([narrowed, denyNamed(reader)]).findings, []);
  assert.equal(principals(check([narrowed, denyNamed(`arn:aws:iam::${FOREIGN}:role/Other`)])), [reader]);
});

deny('a Deny naming an STS ARN that ends in "root", or a Service, removes no account', () => {
  const report = check([
    allow({ AWS: FOREIGN }),
    denyNamed(`arn:aws:sts::${FOREIGN}:root`),
    { Effect: 'Deny', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:*', Resource: '*' },
  ]);
  assert.equal(principals(report), [FOREIGN]);
});

deny('a Deny naming a deleted principal (a unique ID) removes nobody', () => {
  const report = check([allow({ AWS: [FOREIGN, root(PARTNER)] }), denyNamed(['AROAJ45Q7EXAMPLEXAMPL', PARTNER])]);
  assert.equal(principals(report), [FOREIGN]);
});

deny('a named-principal Deny with any condition is not relied on', () => {
  for (const condition of [
    { StringEquals: { 'kms:CallerAccount': FOREIGN } },
    { Bool: { 'aws:SecureTransport': 'false' } },
    { StringNotEquals: { 'aws:PrincipalAccount': OWN } },
  ]) {
    const report = check([
      allow({ AWS: [root(FOREIGN), `arn:aws:iam::${FOREIGN}:role/R`] }),
      denyNamed(root(FOREIGN), { Condition: condition }),
    ]);
    assert.equal(principals(report), [`arn:aws:iam::${FOREIGN}:role/R`, root(FOREIGN)], JSON.stringify(condition));
  }
});

deny('a named-principal Deny takes away only its own actions', () => {
  const report = check([
    allow({ AWS: FOREIGN }, ['kms:Decrypt', 'kms:DescribeKey']),
    denyNamed(FOREIGN, { Action: 'kms:Decrypt' }),
  ]);
  assert.equal(report.findings[0]?.actions, ['kms:DescribeKey']);
  assert.is(report.findings[0]?.severity, 'medium');
});

deny('with thirteen Deny statements each Deny still takes away only its own actions', () => {
  const elsewhere = '999999999998';
  const report = check([
    denyNamed(FOREIGN, { Action: 'kms:Sign' }),
    denyNamed(FOREIGN, { Action: 'kms:Decrypt' }),
    denyNamed(elsewhere, { Action: 'kms:Decrypt' }),
    ...Array.from({ length: 9 }, () => denyNamed(FOREIGN, { Action: 'kms:Sign' })),
    denyNamed(PARTNER, { Action: 'kms:Encrypt' }),
    allow({ AWS: PARTNER }, ['kms:Decrypt', 'kms:Encrypt']),
  ]);
  assert.equal(
    report.findings.map((f) => [f.principal, f.statement, f.actions]),
    [[PARTNER, '#14', ['kms:Decrypt']]],
  );
});

deny('a Deny of a Federated provider is not relied on', () => {
  const report = check([
    allow({ Federated: 'accounts.google.com' }),
    { Effect: 'Deny', Principal: { Federated: 'accounts.google.com' }, Action: 'kms:*', Resource: '*' },
  ]);
  assert.equal(principals(report), ['accounts.google.com']);
});

deny.run();
