import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import { analyzePolicy } from '../../src/core/policy/analyze.js';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parsePolicyText } from '../../src/core/policy/document.js';
import { evaluateKey } from '../../src/core/scan/evaluate-key.js';
import { parseTrustEntry, trustZone } from '../../src/core/trust.js';
import { allow, check, codes, FOREIGN, OWN, principals } from '../helpers/policy.js';

const verdicts = suite('verdicts: one input never changes another, and every case spelling is honoured');
const root = (account: string) => `arn:aws:iam::${account}:root`;
const policyText = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

function refused(statements: object[], message: RegExp): void {
  try {
    check(statements);
  } catch (error) {
    assert.instance(error, SentinelError);
    assert.is((error as SentinelError).code, 'invalid-policy');
    assert.match((error as SentinelError).message, message);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(statements)}`);
}

// --- action lists: a verdict depends only on its own policy

const publicNotDecrypt = [allow('*', undefined, { Action: undefined, NotAction: 'kms:Decrypt' })];
const denyDecryptToOthers = {
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:Decrypt',
  Resource: '*',
  Condition: { StringNotEquals: { 'aws:PrincipalAccount': OWN } },
};

verdicts('a public NotAction statement is critical whatever policies were judged before it', () => {
  const before = [
    [{ Effect: 'Deny', Principal: '*', Action: '!kms:Decrypt', Resource: '*' }],
    [allow({ AWS: FOREIGN }, ['kms:Decrypt\nkms:Encrypt'])],
    [allow({ AWS: FOREIGN }, ['kms:Decrypt']), denyDecryptToOthers],
    [allow({ AWS: FOREIGN }, undefined, { Action: undefined, NotAction: ['kms:Decrypt'] })],
  ];
  for (const other of before) {
    try {
      check(other);
    } catch (error) {
      assert.instance(error, SentinelError);
    }
    const report = check(publicNotDecrypt);
    assert.ok(report.public, JSON.stringify(other));
    assert.is(report.findings[0]?.severity, 'critical', JSON.stringify(other));
    assert.not.ok(report.findings[0]?.actions.includes('kms:Decrypt'));
    assert.ok(report.findings[0]?.actions.includes('kms:CreateGrant'));
  }
});

verdicts('Action and NotAction with the same patterns in one policy are judged apart', () => {
  const report = check([...publicNotDecrypt, denyDecryptToOthers]);
  assert.ok(report.public, 'the Deny takes only Decrypt, which the public statement does not grant');
  assert.is(report.findings[0]?.severity, 'critical');
  assert.not.ok(report.findings[0]?.actions.includes('kms:Decrypt'));
});

verdicts('an action that is not "*" or service:Action is refused as invalid-policy, as IAM refuses it', () => {
  for (const action of [
    '!kms:Decrypt',
    'kms:',
    ':Decrypt',
    'kms Decrypt',
    'kms:Decrypt ',
    '',
    'kms:Decrypt\n',
    'kms',
  ]) {
    refused([allow('*', action)], /is not an action/);
    refused([allow('*', undefined, { Action: undefined, NotAction: [action] })], /is not an action/);
  }
});

verdicts('every action IAM accepts is read: "*", wildcards, any case', () => {
  for (const action of ['*', 'kms:*', 'KMS:decrypt', 'kms:Get*', 'kms:?ecrypt', 'kms:Re*', 'k*:Decrypt']) {
    assert.ok(check([allow({ AWS: FOREIGN }, action)]).findings.length > 0, action);
  }
});

// --- IgnoreCase: every key the engine narrows with, in every case spelling

const role = `arn:aws:iam::${FOREIGN}:role/Foo`;
const lowerRole = `arn:aws:iam::${FOREIGN}:role/foo`;

verdicts('StringEqualsIgnoreCase on aws:PrincipalArn matches a named principal whatever the case', () => {
  for (const operator of ['StringEqualsIgnoreCase', 'ForAnyValue:StringEqualsIgnoreCase']) {
    const report = check([
      allow({ AWS: role }, 'kms:Decrypt', { Condition: { [operator]: { 'aws:PrincipalArn': lowerRole } } }),
    ]);
    assert.equal(principals(report), [role], operator);
    assert.equal(codes(report), [], operator);
  }
});

verdicts('case-sensitive operators on aws:PrincipalArn do not match another case: the statement grants nothing', () => {
  for (const operator of ['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike', 'ForAnyValue:StringEquals']) {
    const report = check([
      allow({ AWS: role }, 'kms:Decrypt', { Condition: { [operator]: { 'aws:PrincipalArn': lowerRole } } }),
    ]);
    assert.equal(report.findings, [], operator);
    assert.equal(codes(report), ['contradictory-condition'], operator);
  }
});

verdicts('"*" narrowed under IgnoreCase to a trusted principal in another case is trusted', () => {
  const narrowed = [
    allow('*', 'kms:Decrypt', { Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalArn': lowerRole } } }),
  ];
  assert.equal(check(narrowed, [role]).findings, []);
  assert.equal(principals(check(narrowed)), [lowerRole]);
  const caseSensitive = [allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalArn': lowerRole } } })];
  assert.equal(principals(check(caseSensitive, [role])), [lowerRole], 'StringEquals names role/foo, not role/Foo');
});

verdicts('IgnoreCase on the organization keys matches the organization in any case; case-sensitive does not', () => {
  const org = 'o-abcdef1234';
  for (const [key, value] of [
    ['aws:PrincipalOrgID', 'O-ABCDEF1234'],
    ['aws:PrincipalOrgPaths', 'O-ABCDEF1234/R-AB12/'],
  ] as const) {
    const folded = check(
      [allow('*', 'kms:Decrypt', { Condition: { StringEqualsIgnoreCase: { [key]: value } } })],
      [org],
    );
    assert.equal(folded.findings, [], key);
    const exact = check([allow('*', 'kms:Decrypt', { Condition: { StringEquals: { [key]: value } } })], [org]);
    assert.equal(exact.findings, [], `${key}: nothing granted`);
    assert.equal(codes(exact), ['unmatchable-condition'], key);
  }
});

verdicts('IgnoreCase on account keys narrows like StringEquals (account IDs have no case)', () => {
  for (const key of ['kms:CallerAccount', 'aws:PrincipalAccount', 'aws:SourceAccount', 'aws:SourceOwner']) {
    const report = check([allow('*', 'kms:Decrypt', { Condition: { StringEqualsIgnoreCase: { [key]: FOREIGN } } })]);
    assert.equal(principals(report), [FOREIGN], key);
  }
});

// --- a Deny is relied on only where it certainly applies to this key

const KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/ffffffff-12ab-34cd-56ef-1234567890ab`;
const guardOn = (resource: object) => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Condition: { StringNotEquals: { 'aws:PrincipalAccount': OWN } },
  ...resource,
});
const byName = (resource: object) => ({ Effect: 'Deny', Principal: { AWS: FOREIGN }, Action: 'kms:*', ...resource });

function judgeAsKey(statements: object[], keyArn: string | undefined) {
  return analyzePolicy(parsePolicyText(policyText(statements)), trustZone(OWN, []), { keyArn });
}

verdicts('a Deny whose resource is NotResource, or another key, is not relied on', () => {
  for (const resource of [{ NotResource: '*' }, { NotResource: KEY_ARN }, { Resource: OTHER_KEY_ARN }]) {
    for (const deny of [guardOn(resource), byName(resource)]) {
      const report = judgeAsKey([allow('*'), allow({ AWS: FOREIGN }), deny], KEY_ARN);
      assert.equal(principals(report), ['*', FOREIGN], JSON.stringify(deny));
      assert.ok(check([allow('*'), allow({ AWS: FOREIGN }), deny]).public, 'without the key ARN too');
    }
  }
});

verdicts("a Deny naming this key's own ARN, or a pattern matching it, is relied on when the ARN is known", () => {
  for (const resource of [KEY_ARN, [OTHER_KEY_ARN, KEY_ARN], `arn:aws:kms:*:${OWN}:key/*`]) {
    const guarded = judgeAsKey([allow('*'), guardOn({ Resource: resource })], KEY_ARN);
    assert.equal(guarded.findings, [], JSON.stringify(resource));
    const named = judgeAsKey([allow({ AWS: FOREIGN }), byName({ Resource: resource })], KEY_ARN);
    assert.equal(named.findings, [], JSON.stringify(resource));
    assert.ok(judgeAsKey([allow('*'), guardOn({ Resource: resource })], undefined).public, 'ARN unknown: not relied');
  }
});

verdicts('a scanned key is judged with its own ARN', () => {
  const snapshot = {
    accountId: OWN,
    region: 'us-east-1',
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    keyArn: KEY_ARN,
    aliases: [],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    grants: [],
  };
  const mine = evaluateKey(
    { ...snapshot, policy: policyText([allow('*'), guardOn({ Resource: KEY_ARN })]) },
    trustZone(OWN, []),
  );
  assert.equal(mine.findings, []);
  const others = evaluateKey(
    { ...snapshot, policy: policyText([allow('*'), guardOn({ Resource: OTHER_KEY_ARN })]) },
    trustZone(OWN, []),
  );
  assert.equal(
    others.findings.map((f) => f.principal),
    ['*'],
  );
});

// --- keys named like Object.prototype members are data, never lookups

verdicts('principal types named like Object.prototype members are refused, like any unknown type', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
    const text = `{"Statement":[{"Effect":"Allow","Principal":{${JSON.stringify(name)}:"${root(FOREIGN)}"},"Action":"kms:*","Resource":"*"}]}`;
    try {
      checkPolicyText(text, OWN, []);
      assert.unreachable(`${name} accepted`);
    } catch (error) {
      assert.instance(error, SentinelError, name);
      assert.is((error as SentinelError).code, 'invalid-policy', name);
      assert.match((error as SentinelError).message, /unknown principal type/, name);
    }
  }
});

verdicts('a "__proto__" principal type beside "AWS" neither hides nor adds a principal', () => {
  const text = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"${root(FOREIGN)}","__proto__":["x"]},"Action":"kms:*","Resource":"*"}]}`;
  assert.throws(
    () => checkPolicyText(text, OWN, [parseTrustEntry(FOREIGN)]),
    (e: unknown) => e instanceof SentinelError,
  );
});

verdicts.run();
