import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planRemediation } from '../../src/core/remediation/plan.js';
import { planLines } from '../../src/core/remediation/render.js';
import type { GrantEntry, KeySnapshot } from '../../src/core/scan/types.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import { FOREIGN, OWN, ownerStatement, PARTNER } from '../helpers/policy.js';

const plan = suite('remediation plan: minimal, and checked before anything is written');

const ARN = `arn:aws:kms:us-east-1:${OWN}:key/k1`;
const owner = ownerStatement();
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

function keyOf(text: string, grants: GrantEntry[] = [], account = OWN): KeySnapshot {
  return {
    accountId: account,
    region: 'us-east-1',
    keyId: 'k1',
    keyArn: ARN,
    aliases: [],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy: text,
    grants,
  };
}

const after = (p: ReturnType<typeof planRemediation>) => JSON.parse(p.after ?? 'null');

plan('an untrusted principal is removed from a list, keeping everything else of the statement', () => {
  const shared = {
    Sid: 'Shared',
    Effect: 'Allow',
    Principal: {
      AWS: [`arn:aws:iam::${PARTNER}:root`, `arn:aws:iam::${FOREIGN}:role/Reader`],
      Service: 'logs.amazonaws.com',
    },
    Action: ['kms:Decrypt'],
    Resource: '*',
    Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } },
  };
  const p = planRemediation({ key: keyOf(policy(owner, shared)), trusted: [parseTrustEntry(PARTNER)] });
  assert.ok(p.ok, planLines(p).join('\n'));
  assert.equal(after(p).Statement, [
    owner,
    { ...shared, Principal: { AWS: [`arn:aws:iam::${PARTNER}:root`], Service: 'logs.amazonaws.com' } },
  ]);
  assert.equal(
    p.edits.map((e) => e.kind),
    ['remove-principal'],
  );
});

plan('a statement left with nobody is dropped, a single principal string included; order is kept', () => {
  const a = { Sid: 'A', Effect: 'Allow', Principal: { AWS: FOREIGN }, Action: 'kms:Decrypt', Resource: '*' };
  const b = {
    Sid: 'B',
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${FOREIGN}:root`] },
    Action: 'kms:Encrypt',
    Resource: '*',
  };
  const c = {
    Sid: 'C',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OWN}:role/App` },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({ key: keyOf(policy(owner, a, b, c)), trusted: [] });
  assert.ok(p.ok);
  assert.equal(after(p).Statement, [owner, c]);
  assert.equal(
    p.edits.filter((e) => e.kind === 'drop-statement').map((e) => e.statement),
    ['A', 'B'],
  );
});

plan(
  '"*" that is public, or narrowed only to untrusted accounts or organizations, is narrowed to the key\'s account and the trusted accounts it named',
  () => {
    const open = { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };
    const p1 = planRemediation({ key: keyOf(policy(owner, open)), trusted: [] });
    assert.ok(p1.ok);
    assert.equal(after(p1).Statement[1], { ...open, Condition: { StringEquals: { 'kms:CallerAccount': OWN } } });

    const named = {
      Sid: 'Accounts',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': [PARTNER, FOREIGN] } },
    };
    const p2 = planRemediation({ key: keyOf(policy(owner, named)), trusted: [parseTrustEntry(PARTNER)] });
    assert.ok(p2.ok, planLines(p2).join('\n'));
    assert.equal(after(p2).Statement[1].Condition, { StringEquals: { 'kms:CallerAccount': [OWN, PARTNER] } });
    const narrow = p2.edits[0];
    assert.ok(narrow?.kind === 'narrow' && narrow.removed.includes(FOREIGN));

    const org = {
      Sid: 'Org',
      Effect: 'Allow',
      Principal: '*',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-wxyz987654' } },
    };
    const p3 = planRemediation({ key: keyOf(policy(owner, org)), trusted: [] });
    assert.ok(p3.ok);
    assert.equal(after(p3).Statement[1].Condition, { StringEquals: { 'kms:CallerAccount': OWN } });

    const mixed = { ...org, Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-abcd123456', 'o-wxyz987654'] } } };
    const p4 = planRemediation({ key: keyOf(policy(owner, mixed)), trusted: [parseTrustEntry('o-abcd123456')] });
    assert.ok(p4.ok);
    assert.equal(
      after(p4).Statement[1].Condition,
      { StringEquals: { 'aws:PrincipalOrgID': ['o-abcd123456'] } },
      'the trusted organization keeps its access',
    );
  },
);

plan("the key's own account, service principals, Deny statements and statements without findings are untouched", () => {
  const deny = { Sid: 'Guard', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*' };
  const service = {
    Sid: 'Logs',
    Effect: 'Allow',
    Principal: { Service: 'logs.amazonaws.com' },
    Action: 'kms:Encrypt*',
    Resource: '*',
  };
  const mine = {
    Sid: 'Mine',
    Effect: 'Allow',
    Principal: { AWS: [OWN, `arn:aws:iam::${FOREIGN}:root`] },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({ key: keyOf(policy(owner, deny, service, mine)), trusted: [] });
  assert.ok(p.ok);
  const [o, d, s, m] = after(p).Statement;
  assert.equal([o, d, s], [owner, deny, service]);
  assert.equal(m.Principal, { AWS: [OWN] });
});

plan('principals shown as unique IDs (deleted) are removed too, and the plan says so', () => {
  const stale = {
    Sid: 'Old',
    Effect: 'Allow',
    Principal: { AWS: ['AROAEXAMPLEEXAMPLE123', FOREIGN] },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({ key: keyOf(policy(owner, stale)), trusted: [] });
  assert.ok(p.ok);
  assert.equal(
    after(p).Statement.map((s: { Sid: string }) => s.Sid),
    ['Owner'],
  );
  assert.ok(
    p.edits.some(
      (e) =>
        e.kind === 'remove-stale' && e.principal === 'AROAEXAMPLEEXAMPLE123' && /KMS refuses a new policy/.test(e.why),
    ),
  );
});

plan('what removal cannot fix is refused with the reason: NotPrincipal with Allow', () => {
  const not = {
    Sid: 'Not',
    Effect: 'Allow',
    NotPrincipal: { AWS: `arn:aws:iam::${OWN}:root` },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({ key: keyOf(policy(owner, not)), trusted: [] });
  assert.not.ok(p.ok);
  assert.match(p.refusals[0]?.reason ?? '', /uses NotPrincipal with Allow: it lets in everyone it does not list/);
});

plan("a plan that would lock the key's account out of its key is refused", () => {
  const shared = {
    Sid: 'Admins',
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${FOREIGN}:root`] },
    Action: 'kms:*',
    Resource: '*',
  };
  const use = {
    Sid: 'Use',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OWN}:role/App` },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({ key: keyOf(policy(shared, use)), trusted: [] });
  assert.not.ok(p.ok);
  assert.match(
    p.checks.find((c) => c.name === 'owner-keeps-control')?.detail ?? '',
    /would let account 111111111111 call kms:PutKeyPolicy: the account would be locked out of its own key/,
  );
});

plan('a document over 32 KB is refused by the self-check', () => {
  const big = { Sid: 'Big', Effect: 'Allow', Principal: { AWS: FOREIGN }, Action: 'kms:Decrypt', Resource: '*' };
  const roles = Array.from({ length: 305 }, (_, i) => `arn:aws:iam::${OWN}:role/${`app-role-${i}-`.padEnd(69, 'x')}`);
  const many = { Sid: 'Many', Effect: 'Allow', Principal: { AWS: roles }, Action: 'kms:Decrypt', Resource: '*' };
  const text = policy(owner, many, big);
  assert.ok(text.length < 32 * 1024, 'the policy as read fits');
  // Re-indented, the written document is larger than the compact one read.
  const p = planRemediation({ key: keyOf(text), trusted: [] });
  const size = p.checks.find((c) => c.name === 'valid-document');
  assert.is(size?.passed, false);
  assert.match(size?.detail ?? '', /limited to 32768 bytes/);
  assert.not.ok(p.ok);
});

plan(
  'grants to untrusted grantees are revoked; a grant whose only foreign party is its retiring principal too, saying why',
  () => {
    const grants: GrantEntry[] = [
      {
        grantId: 'g-foreign',
        name: null,
        granteePrincipal: `arn:aws:iam::${FOREIGN}:role/etl`,
        retiringPrincipal: null,
        issuingAccount: null,
        operations: ['Decrypt'],
      },
      {
        grantId: 'g-retire',
        name: null,
        granteePrincipal: `arn:aws:iam::${OWN}:role/app`,
        retiringPrincipal: `arn:aws:iam::${FOREIGN}:role/cleanup`,
        issuingAccount: null,
        operations: ['Encrypt'],
      },
      {
        grantId: 'g-mine',
        name: null,
        granteePrincipal: `arn:aws:iam::${OWN}:role/app`,
        retiringPrincipal: null,
        issuingAccount: null,
        operations: ['Decrypt'],
      },
    ];
    const p = planRemediation({ key: keyOf(policy(owner), grants), trusted: [] });
    assert.ok(p.ok);
    assert.is(p.after, null, 'the policy stays as it is');
    assert.equal(
      p.revocations.map((r) => r.grantId),
      ['g-foreign', 'g-retire'],
    );
    assert.match(p.revocations[1]?.why ?? '', /only foreign party is the retiring principal/);
  },
);

plan('the self-check: the new policy lets in none of the principals fixed and nobody new', () => {
  const shared = {
    Sid: 'S',
    Effect: 'Allow',
    Principal: { AWS: [FOREIGN, PARTNER] },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const one = planRemediation({ key: keyOf(policy(owner, shared)), trusted: [], principals: [FOREIGN] });
  assert.ok(one.ok);
  assert.equal(after(one).Statement[1].Principal, { AWS: [PARTNER] }, 'only the chosen principal');
  assert.equal(
    one.checks.map((c) => [c.name, c.passed]),
    [
      ['valid-document', true],
      ['fixes-findings', true],
      ['no-new-findings', true],
      ['trusted-keep-access', true],
      ['owner-keeps-control', true],
    ],
  );
  assert.is(one.fixes.length, 1);
});

plan(
  "the rule page's example, remediated for 123412341234, is the same policy without that account in both lists",
  () => {
    const text = readFileSync(new URL('../fixtures/policies/rule-page-example.json', import.meta.url), 'utf8');
    const key = keyOf(text, [], '123456789012');
    const p = planRemediation({ key, trusted: [] });
    assert.ok(p.ok, planLines(p).join('\n'));
    const expected = JSON.parse(text);
    for (const s of expected.Statement) {
      const aws = s.Principal?.AWS;
      if (Array.isArray(aws)) s.Principal.AWS = aws.filter((a: string) => a !== 'arn:aws:iam::123412341234:root');
    }
    assert.equal(after(p), expected);
    assert.equal(
      p.edits.map((e) => (e.kind === 'remove-principal' ? e.principal : e.kind)),
      ['arn:aws:iam::123412341234:root', 'arn:aws:iam::123412341234:root'],
    );
  },
);

plan('a trusted principal keeps its access when an untrusted ARN pattern beside it is removed', () => {
  const backup = `arn:aws:iam::${FOREIGN}:role/Backup`;
  const ci = `arn:aws:iam::${FOREIGN}:role/ci-*`;
  const narrowed = (principal: string | string[], patterns: string[]) => ({
    Sid: 'CI',
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': patterns } },
  });
  const trusted = [parseTrustEntry(backup)];
  for (const principal of [`arn:aws:iam::${FOREIGN}:root`, [`arn:aws:iam::${FOREIGN}:root`, backup]]) {
    const p = planRemediation({ key: keyOf(policy(owner, narrowed(principal, [backup, ci]))), trusted });
    assert.ok(p.ok, planLines(p).join('\n'));
    assert.equal(after(p).Statement, [owner, narrowed(principal, [backup])], 'only the untrusted pattern goes');
    assert.ok(p.checks.some((c) => c.name === 'trusted-keep-access' && c.passed));
  }
  // The pattern is the condition's only value: the account's untrusted principals go, the trusted one stays, and
  // the condition stays as it was (taking it away would let the trusted role in wider than before).
  const alone = planRemediation({
    key: keyOf(policy(owner, narrowed([`arn:aws:iam::${FOREIGN}:root`, backup], [ci]))),
    trusted,
  });
  assert.ok(alone.ok, planLines(alone).join('\n'));
  assert.equal(after(alone).Statement, [owner, narrowed([backup], [ci])]);
});

plan('a trusted principal that got in through its whole account is named instead, and keeps its access', () => {
  const backup = `arn:aws:iam::${FOREIGN}:role/Backup`;
  const shared = {
    Sid: 'Shared',
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${FOREIGN}:root`, `arn:aws:iam::${PARTNER}:root`] },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({
    key: keyOf(policy(owner, shared)),
    trusted: [parseTrustEntry(backup), parseTrustEntry(PARTNER)],
  });
  assert.ok(p.ok, planLines(p).join('\n'));
  assert.equal(after(p).Statement, [
    owner,
    { ...shared, Principal: { AWS: [`arn:aws:iam::${PARTNER}:root`, backup] } },
  ]);
  assert.equal(
    p.edits.map((e) => e.kind),
    ['remove-principal', 'keep-trusted'],
  );
  assert.match(planLines(p).join('\n'), /\+ statement "Shared": name arn:aws:iam::999999999999:role\/Backup/);
});

plan('a plan that would take access away from a trusted principal is refused', () => {
  const backup = `arn:aws:iam::${FOREIGN}:role/Backup`;
  // The only pattern narrowing the foreign account's root also covers the trusted role: the root must go, the
  // condition stays, and the role would lose its access through it. The check says so; nothing is applied.
  const shared = {
    Sid: 'Roles',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${FOREIGN}:role/*` } },
  };
  const p = planRemediation({ key: keyOf(policy(owner, shared)), trusted: [parseTrustEntry(backup)] });
  const check = p.checks.find((c) => c.name === 'trusted-keep-access');
  assert.equal([p.ok, check?.passed], [false, false], planLines(p).join('\n'));
  assert.match(check?.detail ?? '', /role\/Backup \(kms:Decrypt\)/);
});

plan("an owner statement with a condition of its own, left as it was, keeps the account's control", () => {
  const guarded = { ...owner, Condition: { Bool: { 'aws:SecureTransport': 'true' } } };
  const foreign = {
    Sid: 'Foreign',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const p = planRemediation({ key: keyOf(policy(guarded, foreign)), trusted: [] });
  assert.ok(p.ok, planLines(p).join('\n'));
  assert.equal(after(p).Statement, [guarded]);
  assert.match(p.checks.find((c) => c.name === 'owner-keeps-control')?.detail ?? '', /keeps the control it had/);
});

plan('an ARN pattern is taken out only where it lets callers in, never out of an exclusion', () => {
  const statement = {
    Sid: 'Apps',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: {
      ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${PARTNER}:role/*`, `arn:aws:iam::${PARTNER}:role/app-*`] },
      ArnNotLike: { 'aws:PrincipalArn': [`arn:aws:iam::${PARTNER}:role/*`, `arn:aws:iam::${PARTNER}:role/Other`] },
    },
  };
  const p = planRemediation({
    key: keyOf(policy(owner, statement)),
    trusted: [],
    principals: [`arn:aws:iam::${PARTNER}:role/*`],
  });
  assert.ok(p.ok, planLines(p).join('\n'));
  const written = after(p).Statement.find((s: { Sid: string }) => s.Sid === 'Apps');
  assert.equal(written.Condition.ArnNotLike, statement.Condition.ArnNotLike, 'the exclusion stays whole');
  assert.equal(written.Condition.ArnLike['aws:PrincipalArn'], [`arn:aws:iam::${PARTNER}:role/app-*`]);
});

plan('a statement open to everyone keeps the trusted principal its ARN condition names', () => {
  const trustedRole = `arn:aws:iam::${PARTNER}:role/Trusted`;
  const open = {
    Sid: 'Roles',
    Effect: 'Allow',
    Principal: '*',
    Action: 'kms:Decrypt',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': [trustedRole, `arn:aws:iam::${FOREIGN}:role/*`] } },
  };
  const p = planRemediation({ key: keyOf(policy(owner, open)), trusted: [parseTrustEntry(trustedRole)] });
  assert.ok(p.ok, planLines(p).join('\n'));
  const kept = after(p).Statement.find((s: { Sid: string }) => s.Sid === 'Roles');
  assert.equal(kept.Condition.ArnLike['aws:PrincipalArn'], [trustedRole]);
});

plan.run();
