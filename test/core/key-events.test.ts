import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCESS_CHANGING_EVENTS, type KeyEvent, keyEventOf } from '../../src/core/events/key-event.js';
import { planReads, type QueuedEvent, readMeetsExpectations } from '../../src/core/events/read-plan.js';

const events = suite('events: a CloudTrail KMS event names the keys to read again, and what the read should show');

const OWNER = '111122223333';
const CALLER = '444455556666';
const OUTSIDE = '999988887777';
const REGION = 'us-west-2';
const ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const arn = (account = OWNER, region = REGION, id = ID) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** An EventBridge envelope around a CloudTrail record, as the queue receives it. */
function body(detail: Record<string, unknown>, envelope: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: 'e-1',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    account: detail.recipientAccountId ?? OWNER,
    time: '2026-12-06T10:00:00Z',
    region: detail.awsRegion ?? REGION,
    resources: [],
    ...envelope,
    detail: {
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${OWNER}:user/Alice`, accountId: OWNER },
      eventTime: '2026-12-06T10:00:00Z',
      eventSource: 'kms.amazonaws.com',
      awsRegion: REGION,
      eventID: 'ct-1',
      recipientAccountId: OWNER,
      ...detail,
    },
  });
}

const resources = (...arns: string[]) =>
  arns.map((ARN) => ({ accountId: ARN.split(':')[4], type: 'AWS::KMS::Key', ARN }));
const keysOf = (e: KeyEvent) => (e.kind === 'change' ? e.keys.map((k) => k.arn) : []);

events('each watched call names its key, from resources, response elements or request parameters', () => {
  const cases: Record<string, Record<string, unknown>> = {
    PutKeyPolicy: { requestParameters: { keyId: ID, policyName: 'default', policy: '{}' }, responseElements: null },
    CreateGrant: { requestParameters: { keyId: arn(), granteePrincipal: 'x' }, responseElements: { grantId: 'g1' } },
    RetireGrant: { requestParameters: null, additionalEventData: { grantId: 'g1' } },
    RevokeGrant: { requestParameters: { keyId: ID, grantId: 'g1' } },
    CreateKey: {
      requestParameters: { keySpec: 'SYMMETRIC_DEFAULT' },
      responseElements: { keyMetadata: { arn: arn() } },
    },
    ScheduleKeyDeletion: { requestParameters: { keyId: ID }, responseElements: { keyId: arn() } },
    CancelKeyDeletion: { requestParameters: { keyId: ID }, responseElements: { keyId: arn() } },
    EnableKey: { requestParameters: { keyId: ID } },
    DisableKey: { requestParameters: { keyId: ID } },
  };
  for (const [eventName, detail] of Object.entries(cases)) {
    for (const withResources of [true, false]) {
      const event = keyEventOf(
        body({ eventName, ...detail, ...(withResources ? { resources: resources(arn()) } : {}) }),
      );
      if (eventName === 'RetireGrant' && !withResources) {
        // Retired by grant token, with no resources: the record names no key, so its region is read whole.
        assert.equal(event, {
          kind: 'rescan',
          eventName,
          accountId: OWNER,
          region: REGION,
          detail: event.kind === 'rescan' ? event.detail : '',
        });
        continue;
      }
      assert.equal(keysOf(event), [arn()], `${eventName}${withResources ? ' with resources' : ''}`);
    }
  }
  const covered = [...Object.keys(cases), 'ReplicateKey', 'UpdatePrimaryRegion'].sort();
  assert.equal(covered, [...ACCESS_CHANGING_EVENTS].sort(), 'every watched call is covered here');
});

events('ReplicateKey names the primary but changes the replica: the replica is read, by its own ARN', () => {
  const primary = arn(OWNER, 'us-east-1', MRK);
  const replica = arn(OWNER, 'eu-west-1', MRK);
  const full = keyEventOf(
    body({
      eventName: 'ReplicateKey',
      awsRegion: 'us-east-1',
      requestParameters: { keyId: primary, replicaRegion: 'eu-west-1' },
      responseElements: { replicaKeyMetadata: { arn: replica }, replicaPolicy: '{}' },
      resources: resources(primary),
    }),
  );
  assert.equal(keysOf(full), [replica]);
  const old = keyEventOf(
    body({
      eventName: 'ReplicateKey',
      awsRegion: 'us-east-1',
      requestParameters: { keyId: MRK, replicaRegion: 'eu-west-1' },
    }),
  );
  assert.equal(keysOf(old), [replica], 'from the primary and replicaRegion when the response is not there');
});

events('UpdatePrimaryRegion: the key called and its related key in the new primary region are both read', () => {
  const event = keyEventOf(
    body({
      eventName: 'UpdatePrimaryRegion',
      awsRegion: 'us-east-1',
      requestParameters: { keyId: MRK, primaryRegion: 'eu-west-1' },
      resources: resources(arn(OWNER, 'us-east-1', MRK)),
    }),
  );
  assert.equal(keysOf(event), [arn(OWNER, 'us-east-1', MRK), arn(OWNER, 'eu-west-1', MRK)]);
});

events("a cross-account CreateGrant recorded in the caller's account names the owner's key, not the caller's", () => {
  const event = keyEventOf(
    body({
      eventName: 'CreateGrant',
      recipientAccountId: CALLER,
      userIdentity: { arn: `arn:aws:iam::${CALLER}:role/App` },
      requestParameters: {
        keyId: arn(OWNER),
        granteePrincipal: `arn:aws:iam::${CALLER}:role/App`,
        operations: ['Decrypt'],
      },
      responseElements: { grantId: 'g-7' },
    }),
  );
  assert.ok(event.kind === 'change');
  assert.equal(event.keys, [{ arn: arn(OWNER), accountId: OWNER, region: REGION }]);
  assert.is(event.recipientAccountId, CALLER);
  assert.equal(event.expect, [{ keyArn: arn(OWNER), grantPresent: 'g-7' }]);
});

events(
  "a bare key ID is a key of the account that made the call, in the region it called, in the ARNs' partition",
  () => {
    assert.equal(keysOf(keyEventOf(body({ eventName: 'DisableKey', requestParameters: { keyId: ID } }))), [arn()]);
    assert.equal(
      keysOf(
        keyEventOf(body({ eventName: 'EnableKey', recipientAccountId: CALLER, requestParameters: { keyId: MRK } })),
      ),
      [arn(CALLER, REGION, MRK)],
    );
  },
);

events('missing or omitted request parameters never break the reading; an alias ARN is not a key', () => {
  assert.equal(
    keysOf(
      keyEventOf(
        body({
          eventName: 'PutKeyPolicy',
          requestParameters: { reason: 'requestParameters too large', omitted: true },
          resources: resources(arn()),
        }),
      ),
    ),
    [arn()],
  );
  const alias = keyEventOf(
    body({
      eventName: 'EnableKey',
      requestParameters: null,
      resources: resources(`arn:aws:kms:${REGION}:${OWNER}:alias/app`),
    }),
  );
  assert.is(alias.kind, 'rescan');
});

events('what the read should show: the new grant, the grant gone, the policy put', () => {
  const put = keyEventOf(
    body({ eventName: 'PutKeyPolicy', requestParameters: { keyId: ID, policy: '{"Version":"2012-10-17"}' } }),
  );
  assert.ok(put.kind === 'change');
  assert.equal(put.expect, [{ keyArn: arn(), policy: '{"Version":"2012-10-17"}' }]);
  const revoke = keyEventOf(body({ eventName: 'RevokeGrant', requestParameters: { keyId: ID, grantId: 'g-9' } }));
  assert.ok(revoke.kind === 'change');
  assert.equal(revoke.expect, [{ keyArn: arn(), grantAbsent: 'g-9' }]);
  assert.ok(readMeetsExpectations([{ grantPresent: 'g' }], { policy: '{}', grantIds: new Set(['g']) }));
  assert.not.ok(
    readMeetsExpectations([{ grantPresent: 'g' }], { policy: '{}', grantIds: new Set() }),
    'not listed yet',
  );
  assert.not.ok(readMeetsExpectations([{ grantAbsent: 'g' }], { policy: '{}', grantIds: new Set(['g']) }));
  assert.ok(
    readMeetsExpectations([{ policy: '{"a":1,"b":[1,2]}' }], {
      policy: '{ "b": [1, 2], "a": 1 }',
      grantIds: new Set(),
    }),
    'the same document, spaced and ordered otherwise',
  );
  assert.not.ok(readMeetsExpectations([{ policy: '{"a":1}' }], { policy: '{"a":2}', grantIds: new Set() }));
});

events(
  'failed calls, other services, unwatched calls and bodies that are not events are told apart, never thrown',
  () => {
    assert.equal(
      keyEventOf(body({ eventName: 'PutKeyPolicy', errorCode: 'AccessDenied', requestParameters: { keyId: ID } })).kind,
      'ignored',
    );
    assert.equal(keyEventOf(body({ eventName: 'Decrypt', requestParameters: { keyId: ID } })).kind, 'ignored');
    assert.equal(
      keyEventOf(body({ eventName: 'PutKeyPolicy', eventSource: 's3.amazonaws.com' }, { source: 'aws.s3' })).kind,
      'ignored',
    );
    for (const bad of [
      '',
      'not json',
      '[]',
      'null',
      '{"detail":"x"}',
      JSON.stringify({
        source: 'aws.kms',
        detail: {
          eventSource: 'kms.amazonaws.com',
          eventName: 'EnableKey',
          awsRegion: 'nowhere',
          recipientAccountId: 'x',
        },
      }),
    ]) {
      assert.is(keyEventOf(bad).kind, 'malformed', bad);
    }
  },
);

const queued = (handle: string, detail: Record<string, unknown>): QueuedEvent => ({
  handle,
  event: keyEventOf(body(detail)),
});
const options = {
  maxKeysPerBurst: 3,
  inScope: (a: string) => a !== OUTSIDE,
  isOurs: (c?: string) => c?.includes('assumed-role/KmsSentinelAudit/') === true,
};

events(
  'a batch: duplicates and both copies of a call become one read, and every message is deleted once it is recorded',
  () => {
    const batch = [
      ...Array.from({ length: 30 }, (_, i) =>
        queued(`h${i}`, { eventName: 'PutKeyPolicy', requestParameters: { keyId: ID, policy: `{"v":${i}}` } }),
      ),
      queued('owner-copy', {
        eventName: 'CreateGrant',
        requestParameters: { keyId: arn() },
        responseElements: { grantId: 'g' },
      }),
      queued('caller-copy', {
        eventName: 'CreateGrant',
        recipientAccountId: CALLER,
        requestParameters: { keyId: arn() },
        responseElements: { grantId: 'g' },
      }),
    ];
    const plan = planReads(batch, options);
    assert.is(plan.reads.length, 1, 'one read for the key');
    assert.equal(plan.reads[0]?.handles, [...batch.map((b) => b.handle)]);
    // Of the 30 policies put, only the last delivered can be what the read shows: expecting all of them at once
    // could never be met, and would hold the read back for the whole retry window.
    assert.equal(plan.reads[0]?.expect, [{ policy: '{"v":29}' }, { grantPresent: 'g' }, { grantPresent: 'g' }]);
    assert.equal([plan.rescans, plan.dropped], [[], []]);
  },
);

events(
  'keys of accounts the config does not scan are dropped; a burst above maxKeysPerBurst reads its account-region whole',
  () => {
    const outside = queued('out', { eventName: 'EnableKey', requestParameters: { keyId: arn(OUTSIDE) } });
    const burst = Array.from({ length: 4 }, (_, i) =>
      queued(`b${i}`, {
        eventName: 'EnableKey',
        requestParameters: { keyId: arn(OWNER, 'eu-west-1', `0000000${i}-12ab-34cd-56ef-1234567890ab`) },
      }),
    );
    const single = queued('one', { eventName: 'DisableKey', requestParameters: { keyId: arn() } });
    const plan = planReads([outside, ...burst, single], options);
    assert.equal(
      plan.dropped.map((d) => d.handle),
      ['out'],
    );
    assert.equal(plan.rescans, [{ accountId: OWNER, region: 'eu-west-1', handles: ['b0', 'b1', 'b2', 'b3'] }]);
    assert.equal(
      plan.reads.map((r) => r.key.arn),
      [arn()],
    );
  },
);

events("the bot's own remediation comes back as an event: read and recorded, marked as its own", () => {
  const ours = `arn:aws:sts::${OWNER}:assumed-role/KmsSentinelAudit/kms-sentinel`;
  const plan = planReads(
    [queued('r', { eventName: 'PutKeyPolicy', userIdentity: { arn: ours }, requestParameters: { keyId: ID } })],
    options,
  );
  assert.equal(
    plan.reads.map((r) => r.ours),
    [true],
  );
  const mixed = planReads(
    [
      queued('r', { eventName: 'PutKeyPolicy', userIdentity: { arn: ours }, requestParameters: { keyId: ID } }),
      queued('s', { eventName: 'CreateGrant', requestParameters: { keyId: ID }, responseElements: { grantId: 'g' } }),
    ],
    options,
  );
  assert.equal(
    mixed.reads.map((r) => r.ours),
    [false],
    'someone else changed it too: it may alert',
  );
});

events.run();
