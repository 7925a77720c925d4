import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { cleanKeys, keyId, ownerOnly, scanWorld, sharedWith } from '../helpers/sandbox.js';

const inventory = suite('scan: inventory');
const A = '111111111111';
const FOREIGN = '999999999999';

inventory('every list call is paginated: keys, aliases, grants and organization accounts', async () => {
  const shared = keyId();
  const members = ['222222222222', '333333333333', '444444444444', '555555555555'];
  const world: World = {
    callerAccount: A,
    maxPageSize: 2,
    organization: {
      id: 'o-pagination01',
      managementAccount: A,
      accounts: [
        { id: A, name: 'mgmt' },
        ...members.map((id, n) => ({ id, name: `member-${n}` })),
        { id: '666666666666', name: 'gone', status: 'SUSPENDED' as const },
      ],
    },
    accounts: [
      {
        id: A,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              ...cleanKeys(A, 6).map((k, n) => ({ ...k, aliases: [`alias/clean-${n}`, `alias/other-${n}`] })),
              {
                keyId: shared,
                aliases: ['alias/a', 'alias/b', 'alias/c'],
                policy: ownerOnly(A),
                grants: Array.from({ length: 5 }, (_, n) => ({
                  grantId: `g${n}`,
                  granteePrincipal: `arn:aws:iam::${FOREIGN}:role/r${n}`,
                  operations: ['Decrypt'],
                })),
              },
            ],
          },
        ],
      },
      ...members.map((id) => ({
        id,
        roles: [{ name: 'KmsSentinelAudit' }],
        regions: [{ name: 'us-east-1', keys: [{ keyId: keyId(), policy: sharedWith(id, FOREIGN) }] }],
      })),
    ],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\norganization: { discover: true }\n');
  assert.is(run.code, 1, run.stderr);
  assert.is(run.json.scan.accounts, 5, 'the management account plus the four ACTIVE members');
  assert.is(run.json.scan.keys, 11);
  const grants = run.json.findings.filter((f) => f.source === 'grant');
  assert.equal(grants.map((f) => f.grantId).sort(), ['g0', 'g1', 'g2', 'g3', 'g4']);
  assert.equal(grants[0]?.aliases, ['alias/a', 'alias/b', 'alias/c']);
  const members_ = run.json.findings
    .filter((f) => f.source === 'policy')
    .map((f) => f.accountId)
    .sort();
  assert.equal(members_, members);
  assert.is(run.json.scan.complete, true);
  const stats = run.sandbox.stats();
  assert.ok(JSON.stringify(stats).includes('ListAccounts'));
});

inventory('AWS-managed keys are counted and skipped; key states are reported as they are', async () => {
  const states = ['Disabled', 'PendingDeletion', 'Enabled'] as const;
  const ids = states.map(() => keyId());
  const world: World = {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [
          {
            name: 'eu-west-1',
            keys: [
              { keyId: keyId(), keyManager: 'AWS', aliases: ['aws/ebs'], policy: sharedWith(A, '*') },
              ...states.map((keyState, n) => ({ keyId: ids[n] as string, keyState, policy: sharedWith(A, FOREIGN) })),
              {
                keyId: keyId(),
                multiRegion: true,
                multiRegionKeyType: 'REPLICA' as const,
                policy: sharedWith(A, FOREIGN),
              },
            ],
          },
        ],
      },
    ],
  };
  const run = await scanWorld(world, 'regions: [eu-west-1]\n');
  assert.is(run.json.scan.keys, 5);
  assert.is(run.json.scan.customerManagedKeys, 4);
  assert.not.ok(
    run.json.findings.some((f) => f.principal === '*'),
    'the AWS-managed key is not analyzed',
  );
  assert.equal(
    ids.map((id) => run.json.findings.find((f) => f.keyId === id)?.keyState),
    ['Disabled', 'PendingDeletion', 'Enabled'],
  );
  assert.is(run.json.findings.length, 4);
});

inventory(
  'grant findings: foreign grantees by operations, foreign retiring principals low, services and trusted accounts not',
  async () => {
    const id = keyId();
    const world: World = {
      callerAccount: A,
      accounts: [
        {
          id: A,
          regions: [
            {
              name: 'us-east-1',
              keys: [
                {
                  keyId: id,
                  policy: ownerOnly(A),
                  grants: [
                    {
                      grantId: 'crypto',
                      granteePrincipal: `arn:aws:iam::${FOREIGN}:role/etl`,
                      operations: ['Decrypt', 'GenerateDataKey'],
                    },
                    {
                      grantId: 'handover',
                      granteePrincipal: `arn:aws:iam::${FOREIGN}:root`,
                      operations: ['CreateGrant', 'Decrypt'],
                    },
                    {
                      grantId: 'metadata',
                      granteePrincipal: `arn:aws:sts::${FOREIGN}:assumed-role/ops/s`,
                      operations: ['DescribeKey'],
                    },
                    {
                      grantId: 'retiring',
                      granteePrincipal: `arn:aws:iam::${A}:role/app`,
                      retiringPrincipal: `arn:aws:iam::${FOREIGN}:role/cleanup`,
                      operations: ['Decrypt'],
                    },
                    {
                      grantId: 'service',
                      granteePrincipal: 'rds.us-east-1.amazonaws.com',
                      operations: ['Decrypt', 'CreateGrant'],
                    },
                    {
                      grantId: 'partner',
                      granteePrincipal: 'arn:aws:iam::222222222222:role/backup',
                      operations: ['Decrypt'],
                    },
                    { grantId: 'stale', granteePrincipal: 'AROAEXAMPLEEXAMPLE12', operations: ['Decrypt'] },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const run = await scanWorld(world, 'regions: [us-east-1]\ntrusted: ["222222222222"]\n');
    const byGrant = Object.fromEntries(run.json.findings.map((f) => [f.grantId, f]));
    assert.equal(Object.keys(byGrant).sort(), ['crypto', 'handover', 'metadata', 'retiring']);
    assert.is(byGrant.crypto?.severity, 'high');
    assert.equal(byGrant.crypto?.actions, ['kms:Decrypt', 'kms:GenerateDataKey']);
    assert.is(byGrant.handover?.severity, 'critical');
    assert.is(byGrant.metadata?.severity, 'medium');
    assert.is(byGrant.retiring?.severity, 'low');
    assert.is(byGrant.retiring?.principal, `arn:aws:iam::${FOREIGN}:role/cleanup`);
    assert.is(byGrant.crypto?.statement, null);
    assert.is(byGrant.crypto?.source, 'grant');
    assert.equal(
      run.json.notices.map((n) => n.code),
      ['stale-grantee'],
    );
  },
);

inventory('AWS-managed keys are counted, never judged; one with an alias/aws/ alias is not even read', async () => {
  const customer = keyId();
  const world: World = {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [
          {
            name: 'eu-west-1',
            keys: [
              { keyId: keyId(), keyManager: 'AWS', aliases: ['aws/s3'], policy: sharedWith(A, '*') },
              { keyId: keyId(), keyManager: 'AWS', policy: sharedWith(A, '*') },
              { keyId: customer, aliases: ['alias/aws-named-but-mine'], policy: sharedWith(A, FOREIGN) },
            ],
          },
        ],
      },
    ],
  };
  const run = await scanWorld(world, 'regions: [eu-west-1]\n');
  assert.is(run.json.scan.keys, 3);
  assert.is(run.json.scan.customerManagedKeys, 1);
  assert.equal(
    run.json.findings.map((f) => [f.keyId, f.principal]),
    [[customer, FOREIGN]],
  );
  // AWS keeps alias/aws/ for the keys it manages: DescribeKey tells only the key without one.
  assert.is(run.sandbox.stats().byOperation['kms:DescribeKey'], 2);
});

inventory.run();
