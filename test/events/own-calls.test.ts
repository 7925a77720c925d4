import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planReads } from '../../src/core/events/read-plan.js';
import { ownCallMatcher, planCovers } from '../../src/usecases/events/own-calls.js';

const own = suite("events: the bot's own calls, the plan's scope, and what a burst of events expects");

const plan = {
  accounts: [
    { id: '111111111111', name: undefined, roleArn: undefined },
    { id: '222222222222', name: undefined, roleArn: 'arn:aws:iam::222222222222:role/team/Custom' },
  ],
  roleName: 'KmsSentinelAudit',
  organization: { discover: false, trustMembers: false },
  regions: ['us-east-1'] as readonly string[],
};

own("a call is the bot's own only from its role's session, or its base identity", () => {
  const ours = ownCallMatcher(plan, 'kms-sentinel', () => 'arn:aws:iam::333333333333:user/bot');
  assert.ok(ours('arn:aws:sts::111111111111:assumed-role/KmsSentinelAudit/kms-sentinel'));
  assert.ok(ours('arn:aws:sts::222222222222:assumed-role/Custom/kms-sentinel'));
  assert.ok(ours('arn:aws:iam::333333333333:user/bot'));
  assert.not.ok(
    ours('arn:aws:sts::222222222222:assumed-role/KmsSentinelAudit/kms-sentinel'),
    'not that account’s role',
  );
  assert.not.ok(ours('arn:aws:sts::111111111111:assumed-role/KmsSentinelAudit/someone-else'), 'another session name');
  assert.not.ok(ours('arn:aws:iam::111111111111:user/admin'));
  assert.not.ok(ours(undefined));
});

own('the scope is the listed accounts in the listed regions (any account with discovery)', () => {
  const covers = planCovers(plan, () => '111111111111');
  assert.ok(covers('111111111111', 'us-east-1'));
  assert.not.ok(covers('999999999999', 'us-east-1'));
  assert.not.ok(covers('111111111111', 'eu-west-1'));
  const discover = planCovers({ ...plan, organization: { discover: true, trustMembers: false } }, () => undefined);
  assert.ok(discover('999999999999', 'us-east-1'));
});

const arn = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-4333-8444-555555555555';
const change = (eventName: 'PutKeyPolicy' | 'CreateGrant' | 'RevokeGrant', expect: object) => ({
  kind: 'change' as const,
  eventId: eventName,
  eventName,
  eventTime: '2026-12-06T09:00:00Z',
  recipientAccountId: '111111111111',
  awsRegion: 'us-east-1',
  keys: [{ arn, accountId: '111111111111', region: 'us-east-1' }],
  expect: [{ keyArn: arn, ...expect } as never],
  callerArn: undefined,
});

own(
  'of several policies put in a burst only the last delivered is expected; a grant revoked is not expected present',
  () => {
    const options = { maxKeysPerBurst: 200, inScope: () => true, isOurs: () => false };
    const plan1 = planReads(
      [
        { handle: 'a', event: change('PutKeyPolicy', { policy: '{"v":1}' }) },
        { handle: 'b', event: change('PutKeyPolicy', { policy: '{"v":2}' }) },
        { handle: 'c', event: change('CreateGrant', { grantPresent: 'g1' }) },
        { handle: 'd', event: change('RevokeGrant', { grantAbsent: 'g1' }) },
      ],
      options,
    );
    assert.equal(plan1.reads[0]?.expect, [{ policy: '{"v":2}' }, { grantAbsent: 'g1' }]);
    assert.equal(plan1.reads[0]?.handles, ['a', 'b', 'c', 'd']);
  },
);

own.run();
