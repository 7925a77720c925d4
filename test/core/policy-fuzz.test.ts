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

/** Nesting `depth` deep, closed or (with `open`) never closed; `bottom` is what sits innermost. */
function nested(kind: 'array' | 'object', depth: number, bottom = '1', open = false): string {
  const [before, after] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
  return before.repeat(depth) + bottom + (open ? '' : after.repeat(depth));
}

/** Every place a value sits in a small policy, as the path to it. */
const SLOTS: readonly (readonly (string | number)[])[] = [
  ['Extra'],
  ['Statement'],
  ['Statement', 0],
  ['Statement', 0, 'Effect'],
  ['Statement', 0, 'Sid'],
  ['Statement', 0, 'Principal'],
  ['Statement', 0, 'Principal', 'AWS'],
  ['Statement', 0, 'Action'],
  ['Statement', 0, 'Resource'],
  ['Statement', 0, 'Condition'],
  ['Statement', 0, 'Condition', 'StringEquals'],
  ['Statement', 0, 'Condition', 'StringEquals', 'kms:CallerAccount'],
  ['Statement', 1, 'Principal', 'AWS'],
];
const PLACEHOLDER = JSON.stringify('\u0000deep\u0000');

function policyWithSlot(slot: readonly (string | number)[]): string {
  const policy: Record<string, unknown> = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'S',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': '999999999999' } },
      },
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:*', Resource: '*' },
    ],
  };
  let parent: Record<string | number, unknown> = policy;
  for (const part of slot.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  parent[slot[slot.length - 1] as string | number] = '\u0000deep\u0000';
  return JSON.stringify(policy);
}

function judgedOrRefused(text: string, what: string): void {
  try {
    checkPolicyText(text, '111111111111', []);
  } catch (error) {
    if (!(error instanceof SentinelError)) assert.unreachable(`${what}: threw ${(error as Error).stack}`);
  }
}

fuzz(
  'nesting as deep as the 32 KB limit allows, at every place in a policy, is refused or judged, never a crash',
  () => {
    let cases = 0;
    for (const slot of SLOTS) {
      const template = policyWithSlot(slot);
      const room = 32 * 1024 - (template.length - PLACEHOLDER.length);
      for (const kind of ['array', 'object'] as const) {
        const unit = kind === 'array' ? 2 : 6;
        for (const depth of [10, 1000, 6000, Math.floor((room - 20) / unit)]) {
          if (depth * unit > room - 20) continue;
          const bottoms = ['1', '{"x":1,"x":2}', '"\\u0041"'];
          for (const bottom of bottoms) {
            for (const open of [false, true]) {
              judgedOrRefused(
                template.replace(PLACEHOLDER, nested(kind, depth, bottom, open)),
                `${slot.join('.')} ${kind} ${depth}`,
              );
              cases++;
            }
          }
        }
      }
    }
    assert.ok(cases > 300, `only ${cases} cases`);
  },
);

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'prototype',
];

/** The seed with one more key, written into the JSON text (a "__proto__" key set on an object would be lost). */
function withExtraKey(seed: unknown, path: readonly (string | number)[], name: string, value: string): string {
  const marker = 'kms-sentinel-fuzz-extra-key';
  const copy = structuredClone(seed) as Record<string | number, unknown>;
  let target: Record<string | number, unknown> = copy;
  for (const part of path) target = target[part] as Record<string | number, unknown>;
  target[marker] = 0;
  const text = JSON.stringify(copy).replace(`"${marker}":0`, `${JSON.stringify(name)}:${value}`);
  assert.ok(!text.includes(marker), 'the key was added');
  return text;
}

function objectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const here = Array.isArray(value) ? [] : [path];
  const children = Object.entries(value).flatMap(([key, child]) =>
    objectPaths(child, [...path, Array.isArray(value) ? Number(key) : key]),
  );
  return [...here, ...children];
}

fuzz('keys named like Object.prototype members, in every object of a policy, never hide a finding', () => {
  let cases = 0;
  for (const seedText of seeds.slice(0, 1).concat(seeds.slice(2))) {
    const seed = JSON.parse(seedText) as unknown;
    const baseline = new Set(
      checkPolicyText(seedText, '123456789012', []).findings.map((f) => `${f.statement} ${f.principal}`),
    );
    for (const path of objectPaths(seed)) {
      for (const name of PROTOTYPE_NAMES) {
        for (const value of ['"arn:aws:iam::999999999999:root"', '["x"]', '{}', '{"AWS":"*"}', 'null', '1']) {
          const text = withExtraKey(seed, path, name, value);
          cases++;
          const inPrincipal = ['Principal', 'NotPrincipal'].includes(String(path[path.length - 1]));
          let report: ReturnType<typeof checkPolicyText>;
          try {
            report = checkPolicyText(text, '123456789012', []);
          } catch (error) {
            if (!(error instanceof SentinelError)) assert.unreachable(`${text}\nthrew ${(error as Error).stack}`);
            continue;
          }
          if (inPrincipal) assert.unreachable(`principal type ${name} accepted at ${path.join('.')}`);
          const found = new Set(report.findings.map((f) => `${f.statement} ${f.principal}`));
          for (const finding of baseline)
            assert.ok(found.has(finding), `${finding} hidden by ${name} at ${path.join('.')}`);
        }
      }
    }
  }
  assert.ok(cases > 500, `only ${cases} cases`);
});

fuzz.run();
