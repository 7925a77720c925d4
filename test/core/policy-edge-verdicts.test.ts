import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import { fingerprintOf } from '../../src/core/findings/fingerprint.js';
import { evaluateKey } from '../../src/core/scan/evaluate-key.js';
import { trustZone } from '../../src/core/trust.js';
import { allow, check, codes, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

const edges = suite('policy edges: labels, narrowed accounts, empty and repeated condition keys, services');
const root = (account: string) => `arn:aws:iam::${account}:root`;
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

edges('a Sid that looks like a made-up label never makes two statements share a label', () => {
  const statements = [
    allow({ AWS: root(OWN) }, 'kms:*', { Sid: 'A' }),
    allow({ AWS: root(FOREIGN) }, 'kms:DescribeKey', { Sid: 'A (#3)' }),
    allow({ AWS: root(FOREIGN) }, 'kms:*', { Sid: 'A' }),
    allow({ AWS: root(FOREIGN) }, 'kms:Decrypt', { Sid: '#5' }),
    allow({ AWS: root(FOREIGN) }, 'kms:Encrypt'),
  ];
  const report = check(statements);
  const labels = report.findings.map((f) => f.statement);
  assert.is(new Set(labels).size, labels.length, labels.join(' | '));
  assert.equal(report.findings.map((f) => [f.statement, f.severity]).sort(), [
    ['#5 (#4)', 'high'],
    ['#5 (#5)', 'high'],
    ['A (#3) (#2)', 'medium'],
    ['A (#3) (#3)', 'critical'],
  ]);
});

edges('each of those statements is its own finding on record: distinct fingerprints, each its own severity', () => {
  const policy = JSON.stringify({
    Statement: [
      allow({ AWS: root(OWN) }, 'kms:*', { Sid: 'A' }),
      allow({ AWS: root(FOREIGN) }, 'kms:DescribeKey', { Sid: 'A (#3)' }),
      allow({ AWS: root(FOREIGN) }, 'kms:*', { Sid: 'A' }),
    ],
  });
  const key = {
    accountId: OWN,
    region: 'us-east-1',
    keyId: 'k',
    keyArn: `arn:aws:kms:us-east-1:${OWN}:key/k`,
    aliases: [],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy,
    grants: [],
  };
  const { findings } = evaluateKey(key, trustZone(OWN, []));
  const fingerprints = findings.map(fingerprintOf);
  assert.is(new Set(fingerprints).size, 2);
  assert.equal(findings.map((f) => f.severity).sort(), ['critical', 'medium']);
});

edges(
  'an account narrowed by aws:PrincipalArn lets in only the principals named: trusted ones are not findings',
  () => {
    const narrowed = (pattern: string) =>
      allow({ AWS: root(PARTNER) }, 'kms:Decrypt', { Condition: { ArnEquals: { 'aws:PrincipalArn': pattern } } });
    const backup = role(PARTNER, 'Backup');
    assert.equal(check([narrowed(backup)], [backup]).findings, [], 'the only principal let in is trusted');
    const other = check([narrowed(role(PARTNER, 'Other'))], [backup]);
    assert.equal(principals(other), [role(PARTNER, 'Other')]);
    assert.is(other.findings[0]?.account, PARTNER);
    const wildcard = check([narrowed(role(PARTNER, '*'))], [backup]);
    assert.equal(principals(wildcard), [role(PARTNER, '*')], 'a pattern beyond the trusted role is still reported');
    assert.equal(
      check([narrowed(role(PARTNER, '*'))], [PARTNER]).findings,
      [],
      'a trusted account covers its patterns',
    );
  },
);

edges('a condition key given no value narrows nothing in an Allow, and makes a Deny not relied on', () => {
  const empty = check([allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': [] } } })]);
  assert.ok(empty.public, 'not "grants nothing"');
  const guard = {
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:*',
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:PrincipalAccount': [] } },
  };
  assert.equal(principals(check([allow({ AWS: root(FOREIGN) }), guard])), [root(FOREIGN)]);
});

edges('two spellings of one condition key under one operator are one key, their values ORed', () => {
  const report = check([
    allow('*', 'kms:Decrypt', {
      Condition: { StringEquals: { 'kms:CallerAccount': FOREIGN, 'KMS:CALLERACCOUNT': PARTNER } },
    }),
  ]);
  assert.equal(principals(report), [PARTNER, FOREIGN].sort());
  assert.equal(codes(report), []);
});

edges('a Service principal with a wildcard is refused: it names no service', () => {
  for (const service of ['*', '*.amazonaws.com', 'ec2.amazonaws.co?']) {
    try {
      check([allow({ Service: service })]);
      assert.unreachable(service);
    } catch (error) {
      assert.instance(error, SentinelError);
      assert.is((error as SentinelError).code, 'invalid-policy');
      assert.match((error as SentinelError).message, /Service principal names one AWS service/);
    }
  }
  assert.equal(check([allow({ Service: 'ec2.amazonaws.com' })]).findings, []);
});

edges.run();
