import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allow, check, codes, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

/**
 * docs/how-it-decides.md, "How a policy is judged": conditions narrow the caller only through kms:CallerAccount,
 * aws:PrincipalAccount, aws:SourceAccount, aws:SourceOwner (accounts), aws:PrincipalArn (the ARN's account; wildcards
 * only after the account field) and aws:PrincipalOrgID / aws:PrincipalOrgPaths (an organization), under StringEquals,
 * StringEqualsIgnoreCase, StringLike (no wildcard in the account), ArnEquals, ArnLike and their ForAnyValue: forms.
 * …IfExists narrows only on keys every signed request carries (kms:CallerAccount, aws:PrincipalAccount,
 * aws:PrincipalArn); ForAllValues: and negated operators narrow nothing; nor do other keys. ${aws:ResourceAccount} is
 * the key's own account. Keys are ANDed, values of one key ORed, key names case-insensitive.
 */
const conditions = suite('conditions: what narrows the caller, and what that leaves');
const root = (account: string) => `arn:aws:iam::${account}:root`;
const role = (account: string, name = 'Reader') => `arn:aws:iam::${account}:role/${name}`;
const ORG = 'o-abcdef1234';
const OTHER_ORG = 'o-zzzzzzzzzz';
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
const RESOURCE_ACCOUNT = '${aws:ResourceAccount}';

/** `Allow "*"` kms:Decrypt under the given condition block. */
const star = (condition: object, action: unknown = 'kms:Decrypt') => [allow('*', action, { Condition: condition })];
const named = (principal: object, condition: object) => [allow(principal, 'kms:Decrypt', { Condition: condition })];
const ACCOUNT_KEYS = ['kms:CallerAccount', 'aws:PrincipalAccount', 'aws:SourceAccount', 'aws:SourceOwner'];
const NARROWING_OPERATORS = [
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'ForAnyValue:StringEquals',
  'ForAnyValue:StringEqualsIgnoreCase',
  'ForAnyValue:StringLike',
];

// --- account keys

conditions('every account key under every narrowing operator confines "*" to the accounts it lists', () => {
  for (const key of ACCOUNT_KEYS) {
    for (const operator of NARROWING_OPERATORS) {
      const report = check(star({ [operator]: { [key]: FOREIGN } }));
      const what = `${operator} ${key}`;
      assert.equal(
        report.findings.map((f) => [f.principal, f.account, f.public, f.severity, f.reason]),
        [[FOREIGN, FOREIGN, false, 'high', `account ${FOREIGN} is not trusted`]],
        what,
      );
      assert.is(report.public, false, what);
      assert.equal(check(star({ [operator]: { [key]: OWN } })).findings, [], what);
    }
  }
});

conditions('Allow with NotPrincipal is narrowed by conditions like "*"', () => {
  const notPrincipal = (condition: object) => [
    {
      Effect: 'Allow',
      NotPrincipal: { AWS: root(PARTNER) },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: condition,
    },
  ];
  const report = check(notPrincipal({ StringEquals: { 'kms:CallerAccount': [OWN, FOREIGN] } }));
  assert.equal(
    report.findings.map((f) => [f.principal, f.public]),
    [[FOREIGN, false]],
  );
  assert.equal(check(notPrincipal({ StringEquals: { 'aws:PrincipalOrgID': ORG } }), [ORG]).findings, []);
  assert.equal(check(notPrincipal({ StringEqualsIfExists: { 'kms:CallerAccount': OWN } })).findings, []);
  assert.ok(check(notPrincipal({ StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } }), [ORG]).public);
});

conditions('aws:SourceOwner narrows "*" like the other account keys', () => {
  assert.equal(check(star({ StringEquals: { 'aws:SourceOwner': OWN } })).findings, []);
  assert.equal(principals(check(star({ StringEquals: { 'aws:SourceOwner': [OWN, PARTNER] } }))), [PARTNER]);
  assert.equal(check(star({ StringEquals: { 'aws:SourceOwner': [OWN, PARTNER] } }), [PARTNER]).findings, []);
});

conditions('ForAllValues: and negated operators narrow nothing', () => {
  for (const operator of [
    'ForAllValues:StringEquals',
    'ForAllValues:StringLike',
    'ForAllValues:StringEqualsIgnoreCase',
    'StringNotEquals',
    'StringNotEqualsIgnoreCase',
    'StringNotLike',
    'ForAnyValue:StringNotEquals',
    'ArnNotEquals',
    'ArnNotLike',
    'NumericEquals',
    'Null',
  ]) {
    for (const [key, value] of [
      ['kms:CallerAccount', OWN],
      ['aws:PrincipalArn', role(OWN)],
      ['aws:PrincipalOrgID', ORG],
    ] as const) {
      const report = check(star({ [operator]: { [key]: value } }), [ORG]);
      assert.ok(report.public, `${operator} ${key}`);
      assert.equal(report.notices, [], `${operator} ${key}`);
    }
  }
});

/*
 * IAM's "Condition operators" page: with …IfExists, "if the condition key is not present in the context of the
 * request, the condition evaluates to true". IAM's "AWS global condition context keys" page says aws:PrincipalAccount
 * and aws:PrincipalArn are "always included in the request context" of a signed request, and KMS's "AWS KMS condition
 * keys" page says kms:CallerAccount is the account of every caller: on them IfExists is the plain operator.
 * aws:PrincipalOrgID and aws:PrincipalOrgPaths are absent for a caller outside any organization, and aws:SourceAccount
 * is present only when a service calls on a resource's behalf: there IfExists still lets in every caller without them.
 */
conditions('…IfExists on a key every request carries narrows like the plain operator', () => {
  for (const operator of [
    'StringEqualsIfExists',
    'StringEqualsIgnoreCaseIfExists',
    'StringLikeIfExists',
    'ForAnyValue:StringEqualsIfExists',
  ]) {
    for (const key of ['kms:CallerAccount', 'aws:PrincipalAccount']) {
      assert.equal(check(star({ [operator]: { [key]: OWN } })).findings, [], `${operator} ${key}`);
      assert.equal(principals(check(star({ [operator]: { [key]: [OWN, FOREIGN] } }))), [FOREIGN], operator);
    }
  }
  for (const operator of ['ArnLikeIfExists', 'ArnEqualsIfExists', 'StringEqualsIfExists']) {
    assert.equal(check(star({ [operator]: { 'aws:PrincipalArn': role(OWN) } })).findings, [], operator);
    assert.equal(principals(check(star({ [operator]: { 'aws:PrincipalArn': role(FOREIGN) } }))), [role(FOREIGN)]);
  }
});

conditions('…IfExists on a key a request may lack (organization, source account) narrows nothing', () => {
  for (const operator of ['StringEqualsIfExists', 'StringLikeIfExists', 'ForAnyValue:StringEqualsIfExists']) {
    for (const [key, value] of [
      ['aws:PrincipalOrgID', ORG],
      ['aws:PrincipalOrgPaths', `${ORG}/r-ab12/`],
      ['aws:SourceAccount', OWN],
      ['aws:SourceOwner', OWN],
    ] as const) {
      const report = check(star({ [operator]: { [key]: value } }), [ORG]);
      assert.ok(report.public, `${operator} ${key}`);
      assert.equal(report.notices, [], `${operator} ${key}`);
    }
  }
});

conditions('keys other than the caller keys narrow nothing', () => {
  for (const key of [
    'aws:ResourceAccount',
    'aws:SourceArn',
    'aws:userid',
    'aws:username',
    'aws:PrincipalOrgMasterAccountId',
    'kms:ViaService',
    'kms:EncryptionContext:account',
  ]) {
    const report = check(star({ StringEquals: { [key]: OWN } }));
    assert.ok(report.public, key);
    assert.equal(report.notices, [], key);
  }
});

conditions('condition key names match in any case', () => {
  for (const key of ['AWS:SOURCEOWNER', 'Aws:SourceAccount', 'aws:principalaccount']) {
    assert.equal(principals(check(star({ StringEquals: { [key]: FOREIGN } }))), [FOREIGN], key);
  }
  assert.equal(principals(check(star({ StringEquals: { 'AWS:PRINCIPALORGPATHS': `${ORG}/r-ab12/` } }))), [ORG]);
  assert.equal(principals(check(star({ ArnLike: { 'Aws:PrincipalArn': `${role(FOREIGN, '*')}` } }))), [
    role(FOREIGN, '*'),
  ]);
  assert.equal(check(star({ StringEquals: { 'AWS:PrincipalOrgId': ORG } }), [ORG]).findings, []);
});

conditions('values of one key are ORed: each listed account is a finding of its own', () => {
  const report = check(star({ StringEquals: { 'aws:PrincipalAccount': [FOREIGN, OWN, PARTNER] } }));
  assert.equal(
    report.findings.map((f) => [f.principal, f.account]),
    [
      [PARTNER, PARTNER],
      [FOREIGN, FOREIGN],
    ],
  );
});

conditions('a value that is not an account ID matches no account: alone, the statement grants nothing', () => {
  for (const value of ['*', 'abc', root(FOREIGN), '99999999999', ' 999999999999']) {
    const report = check(star({ StringEquals: { 'kms:CallerAccount': value } }));
    assert.equal(report.findings, [], value);
    assert.equal(codes(report), ['unmatchable-condition'], value);
  }
  const mixed = check(star({ StringEquals: { 'kms:CallerAccount': [FOREIGN, 'abc'] } }));
  assert.equal(principals(mixed), [FOREIGN]);
  assert.equal(mixed.notices, []);
});

conditions('a wildcard in an account value under StringLike narrows nothing', () => {
  for (const value of ['99999999999?', '*', [FOREIGN, '1111*']]) {
    const report = check(star({ StringLike: { 'aws:SourceAccount': value } }));
    assert.ok(report.public, JSON.stringify(value));
    assert.equal(report.notices, [], JSON.stringify(value));
  }
});

conditions(
  'a wildcard anywhere in a StringLike account or organization ID value narrows nothing, even after a "/"',
  () => {
    for (const [key, value] of [
      ['aws:PrincipalAccount', `${FOREIGN}/*`],
      ['kms:CallerAccount', [FOREIGN, `${PARTNER}/?`]],
      ['aws:PrincipalOrgID', `${ORG}/*`],
    ] as const) {
      const report = check(star({ StringLike: { [key]: value } }), [ORG]);
      assert.ok(report.public, `${key} ${JSON.stringify(value)}`);
      assert.equal(report.notices, [], `${key} ${JSON.stringify(value)}`);
    }
  },
);

conditions('a policy variable among the values narrows nothing, even beside an account ID', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
  for (const variable of ['${aws:PrincipalTag/account}', '${aws:ResourceOrgPaths}', '${aws:username}']) {
    for (const key of ['kms:CallerAccount', 'aws:PrincipalArn', 'aws:PrincipalOrgID']) {
      const report = check(star({ StringEquals: { [key]: [OWN, role(OWN), ORG, variable] } }), [ORG]);
      assert.ok(report.public, `${key} ${variable}`);
      assert.equal(report.notices, [], key);
    }
  }
});

/*
 * IAM's "AWS global condition context keys" page: aws:ResourceAccount is the account that owns the resource, here the
 * key; AWS managed policies guard with "aws:PrincipalAccount": "${aws:ResourceAccount}". In a key policy the variable
 * is the key's own account.
 */
conditions("the aws:ResourceAccount variable is the key's own account", () => {
  for (const key of ['kms:CallerAccount', 'aws:PrincipalAccount']) {
    assert.equal(check(star({ StringEquals: { [key]: RESOURCE_ACCOUNT } })).findings, [], key);
    assert.equal(check(star({ StringEquals: { [key]: RESOURCE_ACCOUNT } }), [], PARTNER).findings, [], key);
    assert.equal(principals(check(star({ StringEquals: { [key]: [RESOURCE_ACCOUNT, FOREIGN] } }))), [FOREIGN]);
  }
  const arn = `arn:aws:iam::${RESOURCE_ACCOUNT}:role/*`;
  assert.equal(check(star({ ArnLike: { 'aws:PrincipalArn': arn } })).findings, []);
  const shouted = RESOURCE_ACCOUNT.toUpperCase();
  assert.equal(check(star({ StringEquals: { 'aws:PrincipalAccount': shouted } })).findings, []);
  // Named for FOREIGN, but confined to the key's account: FOREIGN gets nothing.
  const named = check([
    allow({ AWS: FOREIGN }, 'kms:Decrypt', {
      Condition: { StringEquals: { 'aws:PrincipalAccount': RESOURCE_ACCOUNT } },
    }),
  ]);
  assert.equal(named.findings, []);
  assert.equal(codes(named), ['contradictory-condition']);
});

conditions('account keys are ANDed: only accounts every key lists remain', () => {
  const report = check(
    star({
      StringEquals: { 'kms:CallerAccount': [FOREIGN, PARTNER] },
      StringLike: { 'aws:PrincipalAccount': [PARTNER, OWN] },
    }),
  );
  assert.equal(principals(report), [PARTNER]);
});

// --- aws:PrincipalArn

conditions('aws:PrincipalArn confines "*" to the ARN patterns, reported with their account', () => {
  for (const operator of ['ArnLike', 'ArnEquals', 'StringLike', 'ForAnyValue:ArnLike', 'ForAnyValue:StringLike']) {
    const pattern = `arn:aws:iam::${FOREIGN}:role/app/*`;
    const report = check(star({ [operator]: { 'aws:PrincipalArn': [pattern, role(OWN)] } }));
    assert.equal(
      report.findings.map((f) => [f.principal, f.account, f.public, f.reason]),
      [[pattern, FOREIGN, false, `account ${FOREIGN} is not trusted`]],
      operator,
    );
  }
});

conditions('aws:PrincipalArn with a wildcard in or before the account field narrows nothing', () => {
  for (const pattern of [
    `arn:aws:iam::99999999999?:role/Reader`,
    `arn:aws:iam::*:role/Reader`,
    `arn:*:iam::${FOREIGN}:role/Reader`,
    `arn:aws:*::${FOREIGN}:role/Reader`,
    `arn:aws:iam:*:${FOREIGN}:role/Reader`,
    `*:aws:iam::${FOREIGN}:role/Reader`,
    'arn:aws:iam::*',
  ]) {
    const report = check(star({ ArnLike: { 'aws:PrincipalArn': [role(OWN), pattern] } }));
    assert.ok(report.public, pattern);
  }
});

conditions('a pattern aws:PrincipalArn value too short to hold an account field narrows nothing', () => {
  for (const operator of ['StringLike', 'ArnLike', 'ArnEquals']) {
    for (const value of ['x', `arn:aws:iam::${FOREIGN}`, [role(OWN), 'x']]) {
      const report = check(star({ [operator]: { 'aws:PrincipalArn': value } }));
      assert.equal(principals(report), ['*'], `${operator} ${JSON.stringify(value)}`);
      assert.ok(report.public, `${operator} ${JSON.stringify(value)}`);
      assert.equal(report.notices, [], `${operator} ${JSON.stringify(value)}`);
    }
  }
});

conditions('aws:PrincipalArn under StringEquals is literal: a wildcard in it matches no principal', () => {
  for (const operator of ['StringEquals', 'StringEqualsIgnoreCase']) {
    const report = check(star({ [operator]: { 'aws:PrincipalArn': role(FOREIGN, '*') } }));
    assert.equal(report.findings, [], operator);
    assert.equal(codes(report), ['unmatchable-condition'], operator);
  }
  const mixed = check(star({ StringEquals: { 'aws:PrincipalArn': [role(FOREIGN, '*'), role(PARTNER)] } }));
  assert.equal(principals(mixed), [role(PARTNER)]);
});

conditions('an aws:PrincipalArn value that is not an ARN with an account matches no principal', () => {
  for (const value of [FOREIGN, 'AROAJ45Q7EXAMPLEXAMPL', 'arn:aws:s3:::bucket']) {
    const report = check(star({ StringEquals: { 'aws:PrincipalArn': value } }));
    assert.equal(report.findings, [], value);
    assert.equal(codes(report), ['unmatchable-condition'], value);
  }
});

conditions('under IgnoreCase an ARN spelled in capitals still names its account', () => {
  const shouted = `ARN:AWS:IAM::${FOREIGN}:ROLE/READER`;
  const report = check(star({ StringEqualsIgnoreCase: { 'aws:PrincipalArn': shouted } }));
  assert.equal(
    report.findings.map((f) => [f.account, f.public]),
    [[FOREIGN, false]],
  );
  assert.equal(check(star({ StringEqualsIgnoreCase: { 'aws:PrincipalArn': shouted } }), [FOREIGN]).findings, []);
  assert.equal(
    check(star({ StringEqualsIgnoreCase: { 'aws:PrincipalArn': shouted } }), [role(FOREIGN)]).findings,
    [],
    'the trusted role/Reader, whatever the case',
  );
});

conditions('under IgnoreCase a value that is not an ARN is quoted as written in the notice', () => {
  const report = check(star({ StringEqualsIgnoreCase: { 'aws:PrincipalArn': 'role/ARN:x' } }));
  assert.equal(report.findings, []);
  assert.equal(
    report.notices.map((n) => n.message),
    ['StringEqualsIgnoreCase aws:principalarn "role/ARN:x" matches no principal ARN, so the statement grants nothing'],
  );
});

conditions('under IgnoreCase the reported ARN pattern keeps the case it is written in', () => {
  const written = `arn:aws:iam::${FOREIGN}:role/Geo-Reader`;
  const report = check(star({ StringEqualsIgnoreCase: { 'aws:PrincipalArn': written } }));
  assert.equal(principals(report), [written]);
});

conditions('a trusted principal ARN covers "*" narrowed to exactly it, and not to a pattern around it', () => {
  const backup = role(PARTNER, 'Backup');
  assert.equal(check(star({ ArnEquals: { 'aws:PrincipalArn': backup } }), [backup]).findings, []);
  assert.equal(principals(check(star({ ArnLike: { 'aws:PrincipalArn': `${backup}*` } }), [backup])), [`${backup}*`]);
});

conditions('two aws:PrincipalArn clauses are ANDed: only patterns in an account both name remain', () => {
  const report = check(
    star({
      ArnLike: { 'aws:PrincipalArn': [role(FOREIGN, 'a*'), role(PARTNER, 'a*')] },
      StringLike: { 'aws:PrincipalArn': [`arn:aws:iam::${PARTNER}:*`, role(OWN, '*')] },
    }),
  );
  assert.equal(principals(report), [role(PARTNER, 'a*')]);
});

conditions('aws:PrincipalArn ANDed with an account key keeps only patterns in the listed accounts', () => {
  const report = check(
    star({
      ArnLike: { 'aws:PrincipalArn': [role(FOREIGN, '*'), role(PARTNER, '*')] },
      StringEquals: { 'kms:CallerAccount': FOREIGN },
    }),
  );
  assert.equal(principals(report), [role(FOREIGN, '*')]);
});

conditions('aws:PrincipalArn on a named role keeps it only when a pattern matches it', () => {
  const reader = role(FOREIGN, 'team/Reader');
  assert.equal(
    principals(check(named({ AWS: reader }, { ArnLike: { 'aws:PrincipalArn': role(FOREIGN, 'team/*') } }))),
    [reader],
  );
  const excluded = check(named({ AWS: reader }, { ArnLike: { 'aws:PrincipalArn': role(FOREIGN, 'other/*') } }));
  assert.equal(excluded.findings, []);
  assert.equal(codes(excluded), ['contradictory-condition']);
});

conditions('aws:PrincipalArn on a named role keeps it when any one pattern of the clause matches', () => {
  const reader = role(FOREIGN, 'team/Reader');
  const report = check(
    named({ AWS: reader }, { ArnLike: { 'aws:PrincipalArn': [role(PARTNER, '*'), role(FOREIGN, 'team/*')] } }),
  );
  assert.equal(principals(report), [reader]);
});

conditions('aws:PrincipalArn on a named role must match every clause, not just one', () => {
  const reader = role(FOREIGN, 'Reader');
  const report = check(
    named(
      { AWS: reader },
      { ArnLike: { 'aws:PrincipalArn': role(FOREIGN, 'R*') }, StringLike: { 'aws:PrincipalArn': role(FOREIGN, 'W*') } },
    ),
  );
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['contradictory-condition']);
});

conditions(
  'aws:PrincipalArn on a named role is matched against its whole ARN, even one with "sts:" in its name',
  () => {
    // IAM forbids ":" in role names, but the engine accepts such a role, so it must still be judged as a role.
    const odd = role(FOREIGN, 'arn:a:sts:x');
    const excluded = check(named({ AWS: odd }, { StringEquals: { 'aws:PrincipalArn': role(FOREIGN, 'Other') } }));
    assert.equal(excluded.findings, []);
    assert.equal(excluded.notices, [
      {
        statement: '#1',
        code: 'contradictory-condition',
        message: `${odd} is excluded by the statement's own conditions and gets nothing`,
      },
    ]);
    assert.equal(principals(check(named({ AWS: odd }, { StringEquals: { 'aws:PrincipalArn': odd } }))), [odd]);
  },
);

conditions('aws:PrincipalArn on a named session keeps it only when a pattern is in its account', () => {
  const session = `arn:aws:sts::${FOREIGN}:assumed-role/Reader/s1`;
  const elsewhere = check(named({ AWS: session }, { ArnLike: { 'aws:PrincipalArn': role(PARTNER, 'Reader') } }));
  assert.equal(elsewhere.findings, []);
  assert.equal(codes(elsewhere), ['contradictory-condition']);
  const own = check(named({ AWS: session }, { ArnLike: { 'aws:PrincipalArn': role(FOREIGN, 'Other') } }));
  assert.equal(principals(own), [session]);
});

conditions('aws:PrincipalArn on a named account lets in the patterns in that account, and no others', () => {
  const inAccount = check(
    named(
      { AWS: root(FOREIGN) },
      { ArnLike: { 'aws:PrincipalArn': [role(FOREIGN, 'app/*'), role(PARTNER, '*'), role(FOREIGN, 'ops/*')] } },
    ),
  );
  assert.equal(
    inAccount.findings.map((f) => [f.principal, f.account]),
    [
      [role(FOREIGN, 'app/*'), FOREIGN],
      [role(FOREIGN, 'ops/*'), FOREIGN],
    ],
  );
  const elsewhere = check(named({ AWS: FOREIGN }, { ArnLike: { 'aws:PrincipalArn': role(PARTNER, '*') } }));
  assert.equal(elsewhere.findings, []);
  assert.equal(codes(elsewhere), ['contradictory-condition']);
});

// --- organizations

conditions('aws:PrincipalOrgID confines "*" to the organization, a finding unless it is trusted', () => {
  for (const operator of NARROWING_OPERATORS) {
    const report = check(star({ [operator]: { 'aws:PrincipalOrgID': ORG } }));
    assert.equal(
      report.findings.map((f) => [f.principal, f.account, f.public, f.reason]),
      [[ORG, null, false, `organization ${ORG} is not trusted`]],
      operator,
    );
    assert.equal(check(star({ [operator]: { 'aws:PrincipalOrgID': ORG } }), [ORG]).findings, [], operator);
  }
});

conditions('aws:PrincipalOrgPaths narrows "*" to the organization its paths start with', () => {
  for (const [operator, path] of [
    ['StringEquals', `${ORG}/r-ab12/ou-ab12-11111111/`],
    ['ForAnyValue:StringLike', `${ORG}/r-ab12/*`],
    ['ForAnyValue:StringLike', `${ORG}/*`],
    ['StringLike', `${ORG}/r-*/ou-ab12-1111111?/`],
  ] as const) {
    const report = check(star({ [operator]: { 'aws:PrincipalOrgPaths': path } }));
    assert.equal(principals(report), [ORG], path);
    assert.is(report.public, false, path);
    assert.equal(check(star({ [operator]: { 'aws:PrincipalOrgPaths': path } }), [ORG]).findings, [], path);
  }
});

conditions('aws:PrincipalOrgPaths with a wildcard in the organization narrows nothing', () => {
  for (const path of ['o-*/r-ab12/', '*', 'o-abcdef123?/r-ab12/*', `*/${ORG}/*`]) {
    const report = check(star({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': path } }), [ORG]);
    assert.ok(report.public, path);
  }
});

conditions('organization values that name no organization match nothing', () => {
  for (const [key, value] of [
    ['aws:PrincipalOrgID', 'o-*'],
    ['aws:PrincipalOrgID', 'r-ab12'],
    ['aws:PrincipalOrgPaths', 'r-ab12/ou-ab12-11111111/'],
    ['aws:PrincipalOrgPaths', '/o-abcdef1234/'],
  ] as const) {
    const report = check(star({ StringEquals: { [key]: value } }));
    assert.equal(report.findings, [], `${key} ${value}`);
    assert.equal(codes(report), ['unmatchable-condition'], `${key} ${value}`);
  }
});

conditions('an organization path given to aws:PrincipalOrgID names no organization', () => {
  const report = check(star({ StringEquals: { 'aws:PrincipalOrgID': `${ORG}/r-ab12/` } }), [ORG]);
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['unmatchable-condition']);
});

conditions('a wildcard in aws:PrincipalOrgID under StringLike narrows nothing', () => {
  assert.ok(check(star({ StringLike: { 'aws:PrincipalOrgID': 'o-abcdef123*' } }), [ORG]).public);
});

conditions('organization keys are ANDed: one organization both name remains, two different contradict', () => {
  const same = check(
    star({ StringEquals: { 'aws:PrincipalOrgID': [ORG, OTHER_ORG], 'aws:PrincipalOrgPaths': `${ORG}/r-ab12/` } }),
  );
  assert.equal(principals(same), [ORG]);
  const disjoint = check(
    star({ StringEquals: { 'aws:PrincipalOrgID': OTHER_ORG, 'aws:PrincipalOrgPaths': `${ORG}/r-ab12/` } }),
  );
  assert.equal(disjoint.findings, []);
  assert.equal(codes(disjoint), ['contradictory-condition']);
});

conditions('accounts ANDed with a trusted organization are trusted: the caller must be in it', () => {
  const condition = { StringEquals: { 'kms:CallerAccount': FOREIGN, 'aws:PrincipalOrgID': ORG } };
  assert.equal(check(star(condition), [ORG]).findings, []);
  const untrusted = check(star(condition));
  assert.equal(
    untrusted.findings.map((f) => [f.principal, f.reason]),
    [[FOREIGN, `account ${FOREIGN} is not trusted`]],
  );
  const arnInOrg = star({
    ArnLike: { 'aws:PrincipalArn': role(FOREIGN, '*') },
    StringEquals: { 'aws:PrincipalOrgID': ORG },
  });
  assert.equal(check(arnInOrg, [ORG]).findings, []);
  assert.equal(principals(check(arnInOrg, [OTHER_ORG])), [role(FOREIGN, '*')]);
});

conditions('a named account confined to two different organizations gets nothing', () => {
  const report = check(
    named(
      { AWS: root(FOREIGN) },
      { StringEquals: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalOrgPaths': `${OTHER_ORG}/r-ab12/` } },
    ),
    [ORG, OTHER_ORG],
  );
  assert.equal(report.findings, []);
  assert.equal(codes(report), ['contradictory-condition']);
});

conditions('a named principal confined to a trusted organization is trusted; to an untrusted one it is not', () => {
  const statements = named({ AWS: root(FOREIGN) }, { StringEquals: { 'aws:PrincipalOrgID': ORG } });
  assert.equal(check(statements, [ORG]).findings, []);
  assert.equal(check(statements, [OTHER_ORG]).findings.length, 1);
});

// --- what the conditions leave of a named principal

conditions('a named principal kept by its account condition is a finding; excluded, it gets nothing', () => {
  const kept = check(
    named({ AWS: [root(FOREIGN), root(PARTNER)] }, { StringEquals: { 'kms:CallerAccount': FOREIGN } }),
  );
  assert.equal(principals(kept), [root(FOREIGN)]);
  assert.equal(
    kept.notices.map((n) => n.message),
    [`${root(PARTNER)} is excluded by the statement's own conditions and gets nothing`],
  );
});

conditions('a Federated or canonical-user principal is confined by account conditions like a caller', () => {
  for (const principal of [{ Federated: 'accounts.google.com' }, { CanonicalUser: 'a'.repeat(64) }]) {
    const what = JSON.stringify(principal);
    assert.equal(check(named(principal, { StringEquals: { 'kms:CallerAccount': OWN } })).findings, [], what);
    assert.equal(
      check(named(principal, { StringEquals: { 'kms:CallerAccount': [OWN, PARTNER] } }), [PARTNER]).findings,
      [],
      what,
    );
    const leaky = check(named(principal, { StringEquals: { 'kms:CallerAccount': [OWN, FOREIGN] } }));
    assert.is(leaky.findings.length, 1, what);
    const contradictory = check(
      named(principal, { StringEquals: { 'kms:CallerAccount': FOREIGN, 'aws:PrincipalAccount': PARTNER } }),
    );
    assert.equal(contradictory.findings, [], what);
    assert.equal(codes(contradictory), ['contradictory-condition'], what);
    const orgs = check(
      named(principal, { StringEquals: { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalOrgPaths': `${OTHER_ORG}/` } }),
    );
    assert.equal(orgs.findings, [], what);
    assert.equal(codes(orgs), ['contradictory-condition'], what);
  }
});

conditions('a Federated principal confined to a trusted organization is trusted', () => {
  const statements = named({ Federated: 'accounts.google.com' }, { StringEquals: { 'aws:PrincipalOrgID': ORG } });
  assert.equal(check(statements, [ORG]).findings, []);
  assert.equal(principals(check(statements)), ['accounts.google.com']);
});

// --- unmatchable conditions

conditions('an unmatchable clause grants nothing whatever else the conditions say, in either order', () => {
  for (const condition of [
    { StringEquals: { 'kms:CallerAccount': FOREIGN, 'aws:PrincipalOrgID': 'not-an-org' } },
    { StringEquals: { 'aws:PrincipalOrgID': 'not-an-org', 'kms:CallerAccount': FOREIGN } },
    { StringEquals: { 'aws:PrincipalOrgID': 'not-an-org' }, ArnLike: { 'aws:PrincipalArn': role(FOREIGN, '*') } },
  ]) {
    for (const statements of [star(condition), named({ AWS: root(FOREIGN) }, condition)]) {
      const report = check(statements);
      assert.equal(report.findings, [], JSON.stringify(condition));
      assert.equal(codes(report), ['unmatchable-condition'], JSON.stringify(condition));
    }
  }
});

conditions('the unmatchable-condition notice names the operator, the key and the values', () => {
  const one = check(star({ StringEquals: { 'kms:CallerAccount': '*' } }));
  assert.equal(one.notices, [
    {
      statement: '#1',
      code: 'unmatchable-condition',
      message: 'StringEquals kms:calleraccount "*" matches no account, so the statement grants nothing',
    },
  ]);
  const many = check(star({ StringEquals: { 'aws:PrincipalArn': ['x', 'y'] } }));
  assert.equal(
    many.notices.map((n) => n.message),
    ['StringEquals aws:principalarn ["x","y"] matches no principal ARN, so the statement grants nothing'],
  );
  const org = check(star({ 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': 'x' } }));
  assert.equal(
    org.notices.map((n) => n.message),
    ['ForAnyValue:StringEquals aws:principalorgid "x" matches no organization, so the statement grants nothing'],
  );
});

conditions('an unmatchable statement gets only that notice: no stale-principal or other notice is lost', () => {
  const report = check([
    allow({ AWS: ['AROAJ45Q7EXAMPLEXAMPL', root(FOREIGN)] }, 'kms:PutKeyPolicy', {
      Condition: { StringEquals: { 'kms:CallerAccount': 'nobody' } },
    }),
  ]);
  assert.equal(codes(report), ['stale-principal', 'unmatchable-condition']);
});

conditions.run();
