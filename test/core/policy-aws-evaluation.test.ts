import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateKey } from '../../src/core/scan/evaluate-key.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { trustZone } from '../../src/core/trust.js';
import { allow, check, codes, FOREIGN, OWN, PARTNER, principals } from '../helpers/policy.js';

/**
 * Where AWS documents how it evaluates a key policy, the engine follows it (issue 19): each rule names the page it
 * follows. Every change removes an over-report; none may hide an exposure where AWS leaves room for doubt.
 */
const aws = suite("AWS's documented evaluation: fewer false alarms, no miss");
const ORG = 'o-abcdef1234';
const root = (account: string) => `arn:aws:iam::${account}:root`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
const RESOURCE_ACCOUNT = '${aws:ResourceAccount}';
const star = (condition: object, action: unknown = 'kms:Decrypt') => [allow('*', action, { Condition: condition })];
const denyAll = (condition: object) => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  Condition: condition,
});

aws(
  '1. IAM "Condition operators" (…IfExists) and "AWS global condition context keys" (keys always present): IfExists on kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalArn is the plain operator',
  () => {
    const report = check(star({ StringEqualsIfExists: { 'kms:CallerAccount': OWN } }));
    assert.equal(report.findings, []);
    assert.is(report.public, false);
    assert.equal(principals(check(star({ StringEqualsIfExists: { 'aws:PrincipalAccount': [OWN, FOREIGN] } }))), [
      FOREIGN,
    ]);
    assert.equal(check(star({ ArnLikeIfExists: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/*` } })).findings, []);
    // Keys that may be absent: IfExists lets in every caller without them.
    for (const key of ['aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:SourceAccount']) {
      const value = key === 'aws:SourceAccount' ? OWN : key === 'aws:PrincipalOrgID' ? ORG : `${ORG}/r-ab12/`;
      assert.ok(check(star({ StringEqualsIfExists: { [key]: value } }), [ORG]).public, key);
    }
  },
);

aws(
  '2. IAM "AWS global condition context keys" (aws:ResourceAccount): the variable in a key policy is the key\'s own account',
  () => {
    assert.equal(check(star({ StringEquals: { 'aws:PrincipalAccount': RESOURCE_ACCOUNT } })).findings, []);
    // Whose account it is follows the key: owned by PARTNER, the same policy lets in PARTNER only.
    assert.equal(check(star({ StringEquals: { 'aws:PrincipalAccount': RESOURCE_ACCOUNT } }), [], PARTNER).findings, []);
    const guarded = check([allow('*'), denyAll({ StringNotEquals: { 'aws:PrincipalAccount': RESOURCE_ACCOUNT } })]);
    assert.equal(guarded.findings, []);
  },
);

aws('3. IAM "AWS JSON policy elements: NotPrincipal": Deny with NotPrincipal denies everyone it does not name', () => {
  const denyAllBut = { Effect: 'Deny', NotPrincipal: { AWS: [root(OWN)] }, Action: 'kms:*', Resource: '*' };
  const report = check([allow('*'), allow({ AWS: FOREIGN }), denyAllBut]);
  assert.equal(report.findings, []);
  assert.is(report.public, false);
  // A listed account outside the trust zone is what is left: reported, not hidden.
  const partner = { ...denyAllBut, NotPrincipal: { AWS: [root(OWN), `arn:aws:iam::${PARTNER}:role/Ops`] } };
  assert.equal(principals(check([allow('*'), partner])), [PARTNER]);
});

aws(
  '4. IAM "Policy evaluation logic" (conditions ANDed): a guard on the account and the organization leaves the accounts or the organization',
  () => {
    const guard = denyAll({ StringNotEquals: { 'aws:PrincipalAccount': OWN, 'aws:PrincipalOrgID': ORG } });
    const report = check([allow('*'), guard]);
    assert.equal(
      report.findings.map((f) => [f.kind, f.principal, f.public]),
      [['organization', ORG, false]],
    );
    assert.equal(check([allow('*'), guard], [ORG]).findings, []);
  },
);

aws(
  '5. KMS "Retiring and revoking grants": kms:RetireGrant is not effective in a key policy; a grant\'s retiring principal still counts',
  () => {
    const report = check([allow({ AWS: root(FOREIGN) }, 'kms:RetireGrant')]);
    assert.equal(report.findings, []);
    assert.equal(codes(report), ['no-cross-account-actions']);
    const both = check([allow({ AWS: root(FOREIGN) }, ['kms:RetireGrant', 'kms:Decrypt'])]);
    assert.equal(both.findings[0]?.actions, ['kms:Decrypt']);
    const key: KeySnapshot = {
      accountId: OWN,
      region: 'us-east-1',
      keyId: 'k1',
      keyArn: `arn:aws:kms:us-east-1:${OWN}:key/k1`,
      aliases: [],
      keyState: 'Enabled',
      multiRegion: false,
      multiRegionKeyType: null,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [allow({ AWS: root(OWN) }, 'kms:*')] }),
      grants: [
        {
          grantId: 'g1',
          name: null,
          granteePrincipal: `arn:aws:iam::${OWN}:role/App`,
          retiringPrincipal: root(FOREIGN),
          issuingAccount: root(OWN),
          operations: ['Decrypt'],
        },
      ],
    };
    const grantFindings = evaluateKey(key, trustZone(OWN, [])).findings;
    assert.ok(
      grantFindings.some((f) => f.principal === root(FOREIGN)),
      'the retiring principal of a grant is still reported',
    );
  },
);

aws(
  '6. IAM "AWS global condition context keys" (aws:PrincipalIsAWSService): true admits only AWS service principals, never an account',
  () => {
    for (const operator of ['Bool', 'BoolIfExists']) {
      for (const value of ['true', true, 'TRUE', ['true']]) {
        const report = check(star({ [operator]: { 'aws:PrincipalIsAWSService': value } }, 'kms:*'));
        assert.equal(report.findings, [], `${operator} ${JSON.stringify(value)}`);
        assert.is(report.public, false);
        assert.equal(codes(report), ['aws-service-only']);
      }
    }
    // IAM Identity Center's published statement: beside aws:SourceOrgID / aws:SourceAccount, still no account finding.
    const identityCenter = check(
      star({
        Bool: { 'aws:PrincipalIsAWSService': 'true' },
        StringEquals: { 'aws:SourceOrgID': ORG, 'aws:SourceAccount': FOREIGN },
      }),
    );
    assert.equal(identityCenter.findings, []);
    const named = check([
      allow({ AWS: root(FOREIGN) }, 'kms:Decrypt', { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } } }),
    ]);
    assert.equal(named.findings, []);
    assert.equal(codes(named), ['aws-service-only']);
    const service = check([
      allow({ Service: 'sso.amazonaws.com' }, 'kms:Decrypt', {
        Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } },
      }),
    ]);
    assert.equal([service.findings, codes(service)], [[], []], 'a service-only statement needs no notice');
    // IAM's aws:SourceAccount entry: without a source condition, a service can be a confused deputy; the notice says so.
    const untied = check(star({ Bool: { 'aws:PrincipalIsAWSService': 'true' } }, 'kms:*')).notices[0]?.message ?? '';
    assert.match(untied, /confused deputy/);
    const tied = identityCenter.notices[0]?.message ?? '';
    assert.not.match(tied, /confused deputy/);
    // false, or either value, narrows nothing.
    assert.ok(check(star({ Bool: { 'aws:PrincipalIsAWSService': 'false' } })).public);
    assert.ok(check(star({ Bool: { 'aws:PrincipalIsAWSService': ['true', 'false'] } })).public);
    assert.ok(check(star({ StringEquals: { 'aws:PrincipalIsAWSService': 'true' } })).public, 'not a Bool test');
  },
);

aws(
  '7. aws:SourceOwner is not documented in KMS requests: it narrows as before, and IfExists on it narrows nothing',
  () => {
    assert.equal(principals(check(star({ StringEquals: { 'aws:SourceOwner': [OWN, PARTNER] } }))), [PARTNER]);
    assert.ok(check(star({ StringEqualsIfExists: { 'aws:SourceOwner': OWN } })).public);
  },
);

aws.run();
