import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isSentinelError } from '../../src/core/errors.js';
import { KEY_ORGANIZATION } from '../../src/core/policy/conditions.js';
import { exposuresOf } from '../../src/core/questions/exposures.js';
import { parseKeyReference, refersTo } from '../../src/core/questions/key-reference.js';
import { parseParty, type Reachable, reachOf } from '../../src/core/questions/party.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import { keyWith, OWNER } from '../helpers/scan-results.js';

const matching = suite('questions: parties, key references, and every way into a key, trusted or not');

const A = '999999999999';
const way = (kind: Reachable['kind'], principal: string, account: string | null): Reachable => ({
  kind,
  principal,
  account,
  public: kind === 'public',
});

matching('a party is an account, a principal or an organization; anything else is refused with its code', () => {
  assert.equal(parseParty(` ${A} `), { kind: 'account', account: A, text: A });
  assert.equal(parseParty(`arn:aws:iam::${A}:root`).kind, 'account', 'a root ARN is the account');
  assert.equal(parseParty(`arn:aws:iam::${A}:role/path/Reader`).kind, 'principal');
  assert.equal(parseParty(`arn:aws:sts::${A}:assumed-role/Reader/alice`).kind, 'principal');
  assert.equal(parseParty(`arn:aws:iam::${A}:user/bob`).kind, 'principal');
  assert.equal(parseParty('o-abcd123456').kind, 'organization');
  for (const bad of ['1234', `arn:aws:iam::${A}:role/ci-*`, `arn:aws:kms:us-east-1:${A}:key/x`, '*', 'o-x', '']) {
    try {
      parseParty(bad);
      assert.unreachable(bad);
    } catch (error) {
      assert.ok(isSentinelError(error) && error.code === 'invalid-party' && error.kind === 'input', bad);
      assert.not.match((error as Error).message, /\n/);
    }
  }
});

matching('an account reaches its root, its principals, patterns that can name them, anyone, and org statements', () => {
  const party = parseParty(A);
  const cases: [Reachable, string | undefined][] = [
    [way('account', A, A), 'named'],
    [way('account', `arn:aws:iam::${A}:root`, A), 'named'],
    [way('principal', `arn:aws:iam::${A}:role/Reader`, A), 'member'],
    [way('principal', `arn:aws:sts::${A}:assumed-role/Reader/alice`, A), 'member'],
    [way('grantee', `arn:aws:iam::${A}:user/bob`, A), 'member'],
    [way('principal-pattern', `arn:aws:iam::${A}:role/ci-*`, A), 'member'],
    [way('principal-pattern', 'arn:aws:iam::*:role/Admin', null), 'member'],
    [way('principal-pattern', 'arn:aws:iam::1111*:role/Admin', null), undefined],
    [way('federated', `arn:aws:iam::${A}:saml-provider/Okta`, null), 'member'],
    [way('federated', 'cognito-identity.amazonaws.com', null), undefined],
    [way('public', '*', null), 'anyone'],
    [way('organization', 'o-abcd123456', null), 'if-member'],
    [way('account', '777788889999', '777788889999'), undefined],
  ];
  for (const [w, expected] of cases) assert.is(reachOf(party, w), expected, `${w.kind} ${w.principal}`);
});

// IAM's aws:PrincipalArn entry: for a role session it is the role's ARN, whose path the session ARN does not show.
matching("a session reaches aws:PrincipalArn patterns that name its role, whatever the role's path", () => {
  const session = parseParty(`arn:aws:sts::${A}:assumed-role/Vendor/s1`);
  const cases: [string, string | undefined][] = [
    [`arn:aws:iam::${A}:role/Vendor*`, 'member'],
    [`arn:aws:iam::${A}:role/*`, 'member'],
    [`arn:aws:iam::${A}:role/team/Vendor`, 'member'],
    [`arn:aws:iam::${A}:role/Other*`, undefined],
    [`arn:aws:iam::${A}:user/*`, undefined],
    ['arn:aws:iam::777788889999:role/Vendor', undefined],
  ];
  for (const [pattern, expected] of cases) {
    assert.is(reachOf(session, way('principal-pattern', pattern, A)), expected, pattern);
  }
});

matching('a principal reaches itself, its whole account, patterns, its role or sessions; not its peers', () => {
  const role = parseParty(`arn:aws:iam::${A}:role/team/Reader`);
  const session = parseParty(`arn:aws:sts::${A}:assumed-role/Reader/alice`);
  assert.is(reachOf(role, way('principal', `arn:aws:iam::${A}:role/team/Reader`, A)), 'named');
  assert.is(reachOf(role, way('account', A, A)), 'account');
  assert.is(reachOf(role, way('principal', `arn:aws:sts::${A}:assumed-role/Reader/bob`, A)), 'member');
  assert.is(reachOf(role, way('principal', `arn:aws:iam::${A}:role/Writer`, A)), undefined);
  assert.is(reachOf(role, way('principal-pattern', `arn:aws:iam::${A}:role/team/*`, A)), 'member');
  assert.is(reachOf(role, way('principal-pattern', `arn:aws:iam::${A}:role/ci-*`, A)), undefined);
  assert.is(reachOf(session, way('principal', `arn:aws:iam::${A}:role/team/Reader`, A)), 'member');
  assert.is(reachOf(session, way('principal', `arn:aws:sts::${A}:assumed-role/Reader/bob`, A)), undefined);
  assert.is(reachOf(session, way('principal', `arn:aws:iam::999999999998:role/Reader`, '999999999998')), undefined);
});

matching('an organization reaches the statements confined to it (or to the key org), and anyone', () => {
  const org = parseParty('o-abcd123456');
  assert.is(reachOf(org, way('organization', 'o-abcd123456', null)), 'named');
  assert.is(reachOf(org, way('organization', 'o-other12345', null)), undefined);
  assert.is(reachOf(org, way('organization', KEY_ORGANIZATION, null)), 'if-member');
  assert.is(reachOf(org, way('public', '*', null)), 'anyone');
  assert.is(reachOf(org, way('account', A, A)), undefined, 'which accounts are in it is not known');
});

matching('a key is named by its ARN, its ID, an alias or an alias ARN; anything else is refused', () => {
  const key = { ...keyWith('0f0e0d0c-1111-4222-8333-000000000001', [A]), aliases: [] };
  const ref = (text: string) => refersTo(parseKeyReference(text), key);
  assert.ok(ref(key.keyArn));
  assert.ok(ref('0F0E0D0C-1111-4222-8333-000000000001'));
  assert.not.ok(ref('alias/0f0e0d0c-1111-4222-8333-000000000001'), 'no such alias');
  const named = { ...key, aliases: ['alias/payments'] };
  assert.ok(refersTo(parseKeyReference('alias/payments'), named));
  assert.ok(refersTo(parseKeyReference('payments'), named), 'a bare name is an alias');
  assert.ok(refersTo(parseKeyReference(`arn:aws:kms:us-east-1:${OWNER}:alias/payments`), named));
  assert.not.ok(refersTo(parseKeyReference(`arn:aws:kms:eu-west-1:${OWNER}:alias/payments`), named));
  for (const bad of ['alias/pay ments', 'arn:aws:iam::111111111111:root', 'arn:aws:kms:us-east-1:1:key/x', '']) {
    try {
      parseKeyReference(bad);
      assert.unreachable(bad);
    } catch (error) {
      assert.ok(isSentinelError(error) && error.code === 'invalid-key', bad);
    }
  }
});

function keyOf(statements: object[], grants: KeySnapshot['grants'] = []): KeySnapshot {
  const owner = {
    Sid: 'Owner',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OWNER}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
  return {
    ...keyWith('k-1', []),
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [owner, ...statements] }),
    grants,
  };
}

matching('every way outside the key account, each judged trusted or not by the trust list as it is now', () => {
  const key = keyOf(
    [
      { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: '777788889999' }, Action: 'kms:Decrypt', Resource: '*' },
      { Sid: 'Foreign', Effect: 'Allow', Principal: { AWS: A }, Action: 'kms:Decrypt', Resource: '*' },
      {
        Sid: 'Org',
        Effect: 'Allow',
        Principal: { AWS: A },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcd123456' } },
      },
    ],
    [
      {
        grantId: 'g-own',
        name: null,
        granteePrincipal: `arn:aws:iam::${OWNER}:role/app`,
        retiringPrincipal: null,
        issuingAccount: OWNER,
        operations: ['Decrypt'],
      },
    ],
  );
  const none = exposuresOf(key, []);
  assert.equal(
    none.exposures.map((e) => [e.statement, e.principal, e.trusted]),
    [
      ['Partner', '777788889999', false],
      ['Foreign', A, false],
      ['Org', A, false],
    ],
    "the key's own account (its grant to its own role) is not outside",
  );
  const trusted = exposuresOf(key, ['777788889999', 'o-abcd123456'].map(parseTrustEntry)).exposures;
  assert.equal(
    trusted.map((e) => [e.statement, e.trusted]),
    [
      ['Foreign', false],
      ['Partner', true],
      ['Org', true],
    ],
    'an account trusted, and a statement confined to a trusted organization',
  );
  assert.equal(none.blind, []);
});

matching('a key that cannot be read, parsed or judged says so, and is never taken for a closed one', () => {
  assert.equal(exposuresOf({ ...keyOf([]), policy: null, grants: null }, []).blind, ['policy-unread', 'grants-unread']);
  const broken = exposuresOf({ ...keyOf([]), policy: '{"Statement": [' }, []);
  assert.equal([broken.exposures, broken.blind], [[], ['policy-unparseable']]);
  const unjudged = exposuresOf({ ...keyOf([]), accountId: 'not-an-account' }, []);
  assert.equal(unjudged.blind, ['not-judged']);
});

matching.run();
