import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { OWN } from '../helpers/policy.js';

const input = suite('malformed policies');
const fixture = (name: string) => readFileSync(new URL(`../fixtures/policies/${name}`, import.meta.url), 'utf8');

function rejects(text: string, code: string, message?: RegExp): SentinelError {
  try {
    checkPolicyText(text, OWN, []);
  } catch (error) {
    assert.instance(error, SentinelError);
    const e = error as SentinelError;
    assert.is(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.unreachable(`accepted: ${text.slice(0, 80)}`);
  throw new Error('unreachable');
}

const statement = (fields: object) =>
  JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', ...fields }] });

input('the rule page example with its trailing comma: invalid JSON with line and column', () => {
  const error = rejects(fixture('rule-page-example-raw.json'), 'invalid-json', /line 71, column 3: trailing comma/);
  assert.equal(error.position, { line: 71, column: 3 });
});

input('the rule page CloudFormation policy as printed: a missing comma, with its line', () => {
  rejects(fixture('rule-page-cloudformation-raw.json'), 'invalid-json', /line 9, column 6: expected a comma/);
});

input('two "AWS" keys in one Principal: the key and both lines are reported', () => {
  rejects(
    fixture('rule-page-cloudformation-duplicate-aws.json'),
    'duplicate-key',
    /duplicate key "AWS" in Statement\[0\]\.Principal: first on line 8, again on line 9/,
  );
});

input('duplicate keys are caught when one is spelled with escapes', () => {
  rejects('{"Statement": [], "Statement": []}', 'duplicate-key', /top-level object/);
  rejects('{"Statement": {"Effect": "Allow", "\\u0045ffect": "Deny"}}', 'duplicate-key', /"Effect" in Statement/);
});

input('a duplicate key is caught even when a string value holds an escaped quote before a colon', () => {
  rejects('{"Statement": {"Sid": "a\\":b", "Effect": "Allow", "Effect": "Deny"}}', 'duplicate-key', /"Effect"/);
});

input('equal keys in different objects are not duplicates', () => {
  const text = JSON.stringify({
    Statement: [
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  });
  assert.is(checkPolicyText(text, OWN, []).findings.length, 2);
});

input('empty input, comments and trailing garbage are invalid JSON', () => {
  rejects('', 'invalid-json');
  rejects('{"Statement": [] // comment\n}', 'invalid-json', /comments are not allowed/);
  rejects('{"Statement": []} x', 'invalid-json');
});

input('a missing or empty Statement is refused', () => {
  rejects('{"Version": "2012-10-17"}', 'invalid-policy', /no "Statement"/);
  rejects('{"Statement": []}', 'invalid-policy', /"Statement" is empty/);
});

input('a statement without Principal or NotPrincipal is refused', () => {
  rejects(
    JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }),
    'invalid-policy',
    /no "Principal"/,
  );
});

input('a statement without Effect, or with an unknown one, is refused', () => {
  rejects(
    JSON.stringify({ Statement: [{ Principal: '*', Action: 'kms:*', Resource: '*' }] }),
    'invalid-policy',
    /no "Effect"/,
  );
  rejects(statement({ Effect: 'allow' }), 'invalid-policy', /"Allow" or "Deny"/);
});

input('wrong types are refused with the path', () => {
  rejects('[]', 'invalid-policy', /must be a JSON object/);
  rejects(JSON.stringify({ Statement: ['x'] }), 'invalid-policy', /Statement\[0\]: a statement must be an object/);
  rejects(statement({ Action: 42 }), 'invalid-policy', /Action: expected a string or a list of strings/);
  rejects(statement({ Principal: { AWS: [123456789012] } }), 'invalid-policy', /Principal\.AWS/);
  rejects(statement({ Principal: '123456789012' }), 'invalid-policy', /must be "\*"/);
  rejects(statement({ Principal: { Aws: '*' } }), 'invalid-policy', /unknown principal type "Aws"/);
  rejects(statement({ Principal: {} }), 'invalid-policy', /names nobody/);
  rejects(statement({ Condition: 'x' }), 'invalid-policy', /"Condition" must be an object/);
  rejects(
    statement({ Condition: { StringEquals: { 'kms:CallerAccount': { a: 1 } } } }),
    'invalid-policy',
    /condition values/,
  );
  rejects(statement({ Sid: 7 }), 'invalid-policy', /"Sid" must be a string/);
  rejects(statement({ Resource: [] }), 'invalid-policy', /Resource: the list is empty/);
});

input('Principal and NotPrincipal together, or Action and NotAction together, are refused', () => {
  rejects(statement({ NotPrincipal: { AWS: '*' } }), 'invalid-policy', /not both/);
  rejects(statement({ NotAction: 'kms:Encrypt' }), 'invalid-policy', /not both/);
});

input('principal strings AWS would refuse are refused', () => {
  rejects(statement({ Principal: { AWS: 'arn:aws:iam::*:root' } }), 'invalid-policy', /wildcards are not allowed/);
  rejects(statement({ Principal: { AWS: 'bob' } }), 'invalid-policy', /not a valid AWS principal/);
  rejects(
    statement({ Principal: { AWS: 'arn:aws:iam::123456789012:group/Admins' } }),
    'invalid-policy',
    /not a principal KMS accepts/,
  );
});

input('a document over 32 KB is refused', () => {
  const big = JSON.stringify({
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Sid: 'x'.repeat(33_000) }],
  });
  rejects(big, 'policy-too-large', /32768 bytes/);
  const multiByte = JSON.stringify({
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Sid: 'é'.repeat(16_500) }],
  });
  rejects(multiByte, 'policy-too-large');
});

input('unknown fields are fine', () => {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Id: 'x',
    Extra: { a: 1 },
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Comment: 'hi' }],
  });
  assert.ok(checkPolicyText(text, OWN, []).public);
});

input('the key account must be a 12-digit ID', () => {
  try {
    checkPolicyText(statement({}), '1234', []);
    assert.unreachable();
  } catch (error) {
    assert.is((error as SentinelError).code, 'invalid-account-id');
  }
});

input('deep nesting in an unknown field is no crash', () => {
  const text = `{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"},"X":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  assert.ok(checkPolicyText(text, OWN, []).public);
  const objects = `{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"},"X":${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}}`;
  assert.ok(checkPolicyText(objects, OWN, []).public);
});

input('a byte-order mark at the start is ignored', () => {
  assert.ok(checkPolicyText(`\uFEFF${statement({})}`, OWN, []).public);
});

input.run();
