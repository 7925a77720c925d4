import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { accountField, isAccountId, isOrganizationId, isUniqueId, parsePrincipalArn } from '../../src/core/arn.js';
import { isSentinelError, SentinelError } from '../../src/core/errors.js';
import { globMatches } from '../../src/core/glob.js';
import { analyzePolicy } from '../../src/core/policy/analyze.js';
import { parsePolicyText } from '../../src/core/policy/document.js';
import {
  canonicalTrustText,
  isAccountTrusted,
  isArnTrusted,
  parseTrustEntry,
  TRUST_ENTRY_FORMS,
  trustZone,
} from '../../src/core/trust.js';
import { allow, check, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

/** docs/how-it-decides.md, "The trust zone": what AWS identifiers are, and which entries trust whom. */
const ids = suite('identifiers, wildcards and trust entries');

// --- identifiers

ids('an account ID is exactly twelve digits', () => {
  assert.ok(isAccountId(FOREIGN));
  for (const value of ['99999999999', '9999999999999', ` ${FOREIGN}`, `${FOREIGN}x`, 'x'.repeat(12)]) {
    assert.not.ok(isAccountId(value), value);
  }
});

ids('an organization ID is o- and 10 to 32 lower-case letters or digits', () => {
  for (const value of ['o-abcdef1234', `o-${'a'.repeat(32)}`]) assert.ok(isOrganizationId(value), value);
  for (const value of [
    'o-abcdef123',
    `o-${'a'.repeat(33)}`,
    'O-ABCDEF1234',
    'xo-abcdef1234',
    'o-abcdef1234/',
    'r-ab12',
  ]) {
    assert.not.ok(isOrganizationId(value), value);
  }
});

ids('a unique ID starts with a known prefix and may carry a session', () => {
  for (const value of ['AROAJ45Q7EXAMPLEXAMPL', 'AIDAJQABLZS4A3QDU576Q', 'AROAEXAMPLE:session-1']) {
    assert.ok(isUniqueId(value), value);
  }
  for (const value of ['xAROAJ45Q7EXAMPLEXAMPL', 'AROAEXAMPLE-1', 'AROA12', 'arn:aws:iam::AROAEXAMPLE']) {
    assert.not.ok(isUniqueId(value), value);
  }
});

ids('the account of an ARN is its field 5, whatever the partition, service or region', () => {
  assert.is(accountField(`arn:aws:iam::${FOREIGN}:role/x`), FOREIGN);
  assert.is(accountField(`arn:aws-cn:sts::${FOREIGN}:assumed-role/x/s`), FOREIGN);
  assert.is(accountField(`arn:aws:kms:us-east-1:${FOREIGN}:key/k`), FOREIGN);
  for (const value of [
    `xarn:aws:iam::${FOREIGN}:role/x`,
    `arn:aws:iam::${FOREIGN}`,
    'arn:aws:iam::*:role/x',
    FOREIGN,
  ]) {
    assert.is(accountField(value), undefined, value);
  }
});

ids('a principal ARN is an IAM or STS ARN in a known partition', () => {
  assert.equal(parsePrincipalArn(`arn:aws-us-gov:iam::${FOREIGN}:role/x`), {
    partition: 'aws-us-gov',
    service: 'iam',
    account: FOREIGN,
    resource: 'role/x',
  });
  for (const value of [
    `xarn:aws:iam::${FOREIGN}:root`,
    `arn:aws:s3::${FOREIGN}:root`,
    `arn:aws:iam:us-east-1:${FOREIGN}:root`,
    `arn:moon:iam::${FOREIGN}:root`,
    `arn:aws:iam::${FOREIGN}:role/Reader\nrole/Other`,
  ]) {
    assert.is(parsePrincipalArn(value), undefined, value);
  }
});

// --- wildcards

ids('* matches any run of characters, ? exactly one, and everything else itself', () => {
  const cases: [string, string, boolean][] = [
    ['a*c', 'abbc', true],
    ['a*c', 'ac', true],
    ['a*', 'a', true],
    ['*', '', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['abc', 'abd', false],
    ['bc', 'abc', false],
    ['ab', 'abc', false],
    ['abc', 'ab', false],
    ['*b*d', 'abxcd', true],
    ['*b*d', 'abxcdx', false],
    ['a*b*c', 'aXbYbZc', true],
    ['A', 'a', false],
  ];
  for (const [pattern, value, expected] of cases) {
    assert.is(globMatches(pattern, value), expected, `${pattern} ~ ${value}`);
  }
  assert.ok(globMatches('A*', 'ab', true));
});

ids('a Deny naming the key ARN in another case does not cover the key', () => {
  const keyArn = `arn:aws:kms:us-east-1:${OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const policy = JSON.stringify({
    Statement: [
      allow({ AWS: FOREIGN }),
      { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: keyArn.toUpperCase() },
    ],
  });
  const report = analyzePolicy(parsePolicyText(policy), trustZone(OWN, []), { keyArn });
  assert.equal(principals(report), [FOREIGN]);
});

// --- trust entries

ids('trust entries are read with the spaces around them trimmed', () => {
  assert.equal(parseTrustEntry(` ${PARTNER}\n`), { kind: 'account', account: PARTNER, text: PARTNER });
});

ids('a malformed trust entry is refused with every accepted form named', () => {
  for (const bad of [
    `arn:aws:sts::${PARTNER}:root`,
    `arn:aws:iam::${PARTNER}:xrole/Backup`,
    `arn:aws:iam::${PARTNER}:role/Back up`,
    `arn:aws:iam::${PARTNER}:role/?`,
  ]) {
    try {
      parseTrustEntry(bad);
      assert.unreachable(bad);
    } catch (error) {
      assert.instance(error, SentinelError, bad);
      assert.is((error as SentinelError).code, 'invalid-trust-entry', bad);
      assert.is(
        (error as SentinelError).message,
        `${JSON.stringify(bad)} is not a valid trust entry; use a 12-digit account ID (111122223333), an account root ARN (arn:aws:iam::111122223333:root), a principal ARN (arn:aws:iam::111122223333:role/Name) or an organization ID (o-abcd123456)`,
      );
    }
  }
  assert.match(TRUST_ENTRY_FORMS, /organization ID \(o-abcd123456\)$/);
});

ids('an account has one spelling on the trust list, however it was written', () => {
  assert.is(canonicalTrustText(parseTrustEntry(`arn:aws-cn:iam::${PARTNER}:root`)), PARTNER);
  const role = `arn:aws:iam::${PARTNER}:role/Backup`;
  assert.is(canonicalTrustText(parseTrustEntry(role)), role);
  assert.is(canonicalTrustText(parseTrustEntry('o-abcdef1234')), 'o-abcdef1234');
});

ids('the key account and account entries are trusted accounts; a principal entry is not its account', () => {
  const zone = trustZone(OWN, [parseTrustEntry(PARTNER), parseTrustEntry(`arn:aws:iam::${FOREIGN}:role/Backup`)]);
  assert.ok(isAccountTrusted(zone, OWN));
  assert.ok(isAccountTrusted(zone, PARTNER));
  assert.not.ok(isAccountTrusted(zone, FOREIGN));
  assert.ok(isArnTrusted(zone, `arn:aws:iam::${FOREIGN}:role/Backup`));
  assert.not.ok(isArnTrusted(zone, `arn:aws:iam::${FOREIGN}:role/backup`));
  assert.ok(isArnTrusted(zone, `arn:aws:iam::${FOREIGN}:role/backup`, true));
  assert.not.ok(isArnTrusted(zone, `arn:aws:iam::${FOREIGN}:role/Other`, true));
  assert.not.ok(isArnTrusted(zone, `arn:aws:iam::${FOREIGN}:role/Back*`, true));
  assert.not.ok(isArnTrusted(zone, 'not-an-arn'));
});

ids('under IgnoreCase, a trusted role does not cover another role of its account', () => {
  const backup = `arn:aws:iam::${FOREIGN}:role/Backup`;
  const other = `arn:aws:iam::${FOREIGN}:role/Other`;
  const report = check(
    [allow('*', 'kms:Decrypt', { Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalArn': other } } })],
    [backup],
  );
  assert.equal(principals(report), [other]);
});

// --- errors

ids('a coded error says what it is, and keeps the parser error it came from', () => {
  try {
    check([allow({ AWS: 'bob' })]);
    assert.unreachable();
  } catch (error) {
    assert.ok(isSentinelError(error));
    assert.is((error as Error).name, 'SentinelError');
    assert.not.ok('cause' in (error as Error), 'no cause to keep');
  }
  try {
    parsePolicyText('{');
    assert.unreachable();
  } catch (error) {
    assert.ok(isSentinelError(error));
    assert.instance((error as Error).cause, SyntaxError);
  }
  assert.not.ok(isSentinelError(new Error('x')));
});

ids.run();
