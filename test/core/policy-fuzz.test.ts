import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import { checkPolicyText } from '../../src/core/policy/check.js';

const fuzz = suite('policy fuzzing');
const seeds = ['rule-page-example.json', 'rule-page-cloudformation-duplicate-aws.json'].map((name) =>
  readFileSync(new URL(`../fixtures/policies/${name}`, import.meta.url), 'utf8'),
);
seeds.push(
  JSON.stringify({
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: ['*', '999999999999'], Federated: 'accounts.google.com' },
        NotAction: 'kms:Put*',
        Resource: '*',
        Condition: {
          'ForAnyValue:StringLike': { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/*'] },
          StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' },
        },
      },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'kms:CallerAccount': ['111111111111'] } },
      },
    ],
  }),
);

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '*',
  '"AWS"',
  '"Allow"',
  '"Deny"',
  'null',
  '1e999',
  '-0',
  '"\\u0000"',
  '\n',
  '"kms:*"',
  '"Condition"',
  '"123456789012"',
];

function mutate(text: string, next: () => number): string {
  const pos = Math.floor(next() * text.length);
  const token = TOKENS[Math.floor(next() * TOKENS.length)] ?? '';
  switch (Math.floor(next() * 4)) {
    case 0:
      return text.slice(0, pos) + text.slice(pos + 1 + Math.floor(next() * 8));
    case 1:
      return text.slice(0, pos) + token + text.slice(pos);
    case 2:
      return text.slice(0, pos) + token + text.slice(pos + token.length);
    default: {
      const other = Math.floor(next() * text.length);
      return text.slice(0, pos) + text.slice(other, other + 40) + text.slice(pos);
    }
  }
}

fuzz('random mutations of valid policies either analyze or fail with a coded error', () => {
  const next = random(20261128);
  let analyzed = 0;
  let refused = 0;
  for (let i = 0; i < 6000; i++) {
    let text = seeds[i % seeds.length] as string;
    const rounds = 1 + Math.floor(next() * 4);
    for (let r = 0; r < rounds; r++) text = mutate(text, next);
    try {
      const report = checkPolicyText(text, '123456789012', []);
      assert.type(report.public, 'boolean');
      analyzed++;
    } catch (error) {
      if (!(error instanceof SentinelError)) {
        assert.unreachable(`iteration ${i} threw ${(error as Error).stack}\n--- input ---\n${text}`);
      }
      assert.ok((error as SentinelError).message.length > 0);
      refused++;
    }
  }
  assert.ok(analyzed > 100, `only ${analyzed} mutants analyzed`);
  assert.ok(refused > 100, `only ${refused} mutants refused`);
});

fuzz('random structurally valid policies never throw anything but coded errors', () => {
  const next = random(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const principals = [
    '*',
    { AWS: '*' },
    { AWS: ['111111111111', 'arn:aws:iam::999999999999:root'] },
    { Service: 'x.amazonaws.com' },
    { Federated: 'cognito-identity.amazonaws.com' },
    { AWS: 'AROAEXAMPLEEXAMPLEXX' },
    { CanonicalUser: 'abc' },
  ];
  const conditions = [
    undefined,
    { StringEquals: { 'kms:CallerAccount': ['111111111111', '*'] } },
    { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::2222222222*:role/x' } },
    { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-aaaaaaaaaa' } },
    { Null: { 'aws:PrincipalArn': 'false' } },
  ];
  for (let i = 0; i < 3000; i++) {
    const statements = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
      const s: Record<string, unknown> = {
        Effect: pick(['Allow', 'Deny']),
        [pick(['Principal', 'NotPrincipal'])]: pick(principals),
        [pick(['Action', 'NotAction'])]: pick(['kms:*', ['kms:Decrypt', 'kms:Get*'], 's3:*', '*']),
      };
      if (next() < 0.9) s.Resource = '*';
      const condition = pick(conditions);
      if (condition) s.Condition = condition;
      return s;
    });
    try {
      checkPolicyText(JSON.stringify({ Statement: statements }), '111111111111', []);
    } catch (error) {
      assert.instance(error, SentinelError, (error as Error).stack);
    }
  }
});

fuzz.run();
