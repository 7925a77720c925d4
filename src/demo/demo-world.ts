import type { World, WorldKey } from '../sandbox/world.js';
import { consoleDefaultStatements, KEY_USER_ACTIONS, ownerStatement } from './console-default-policy.js';

/** The demo organization: three accounts, two regions, a dozen keys covering what the scanner must catch. */
export const DEMO_ACCOUNTS = { prod: '123456789012', staging: '210987654321', security: '345678901234' } as const;
export const DEMO_ORGANIZATION = 'o-demo1234ab';
/** An outside partner the demo trusts, and two accounts nobody trusts. */
export const DEMO_PARTNER = '444455556666';
export const DEMO_FOREIGN = '123412341234';
const STRANGER = '777788889999';
export const DEMO_REGIONS = ['us-east-1', 'eu-west-1'] as const;
export const DEMO_ROLE = 'KmsSentinelAudit';

const root = (account: string) => `arn:aws:iam::${account}:root`;
const policy = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Id: 'demo', Statement: statements }, null, 2);
const USE = KEY_USER_ACTIONS;

/** The audit example of the KMS-006 rule page, as it should have been printed (no trailing comma). */
const rulePageExample = (account: string) =>
  policy(
    ...consoleDefaultStatements(account, {
      admins: `arn:aws:iam::${account}:user/kms-admin`,
      users: [`arn:aws:iam::${account}:user/ec2-manager`, root(DEMO_FOREIGN)],
      grantsForAwsResourcesOnly: false, // the rule page's example has no condition on grants
    }),
  );

function key(n: number, fields: Partial<WorldKey> & { policy: string }): WorldKey {
  return { keyId: `d3m0${String(n).padStart(4, '0')}-aaaa-4bbb-8ccc-${String(n).padStart(12, '0')}`, ...fields };
}

export function demoWorld(): World {
  const { prod, staging, security } = DEMO_ACCOUNTS;
  return {
    callerAccount: security,
    callerArn: `arn:aws:iam::${security}:user/auditor`,
    organization: {
      id: DEMO_ORGANIZATION,
      managementAccount: security,
      accounts: [
        { id: prod, name: 'prod' },
        { id: staging, name: 'staging' },
        { id: security, name: 'security' },
      ],
    },
    accounts: [
      {
        id: prod,
        name: 'prod',
        roles: [{ name: DEMO_ROLE }],
        regions: [
          {
            name: 'us-east-1',
            keys: [
              key(1, {
                aliases: ['alias/payments'],
                policy: rulePageExample(prod),
                tags: { 'aws:cloudformation:stack-name': 'payments-stack' },
              }),
              key(2, {
                aliases: ['alias/public-reports'],
                policy: policy(ownerStatement(prod), {
                  Sid: 'Anyone may decrypt',
                  Effect: 'Allow',
                  Principal: '*',
                  Action: ['kms:Decrypt', 'kms:DescribeKey'],
                  Resource: '*',
                }),
              }),
              key(3, {
                aliases: ['alias/partner-backup'],
                policy: policy(ownerStatement(prod), {
                  Sid: 'Backup partner',
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${DEMO_PARTNER}:role/Backup` },
                  Action: USE,
                  Resource: '*',
                }),
              }),
              key(4, {
                aliases: ['alias/app-data'],
                policy: policy(ownerStatement(prod)),
                grants: [
                  {
                    grantId: 'grant-foreign-0001',
                    name: 'etl-export',
                    granteePrincipal: `arn:aws:iam::${STRANGER}:role/etl`,
                    operations: ['Decrypt', 'GenerateDataKey'],
                  },
                  {
                    grantId: 'grant-ebs-0002',
                    granteePrincipal: 'ec2.us-east-1.amazonaws.com',
                    operations: ['Decrypt', 'Encrypt', 'CreateGrant'],
                  },
                ],
              }),
              key(5, { keyManager: 'AWS', aliases: ['aws/ebs'], policy: policy(ownerStatement(prod)) }),
            ],
          },
          {
            name: 'eu-west-1',
            keys: [
              key(6, {
                aliases: ['alias/eu-customers'],
                policy: policy(ownerStatement(prod), {
                  Sid: 'Key users',
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${prod}:role/app` },
                  Action: USE,
                  Resource: '*',
                }),
              }),
              key(7, {
                aliases: ['alias/org-shared'],
                policy: policy(ownerStatement(prod), {
                  Sid: 'Anyone in the organization',
                  Effect: 'Allow',
                  Principal: '*',
                  Action: ['kms:Decrypt', 'kms:DescribeKey'],
                  Resource: '*',
                  Condition: { StringEquals: { 'aws:PrincipalOrgID': DEMO_ORGANIZATION } },
                }),
              }),
            ],
          },
        ],
      },
      {
        id: staging,
        name: 'staging',
        roles: [{ name: DEMO_ROLE }],
        regions: [
          {
            name: 'us-east-1',
            keys: [
              key(8, {
                aliases: ['alias/staging-ci'],
                policy: policy(ownerStatement(staging), {
                  Sid: 'CI accounts',
                  Effect: 'Allow',
                  Principal: { AWS: '*' },
                  Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
                  Resource: '*',
                  Condition: { StringEquals: { 'kms:CallerAccount': [staging, STRANGER] } },
                }),
              }),
              key(9, {
                keyState: 'PendingDeletion',
                aliases: ['alias/old-import'],
                policy: policy(ownerStatement(staging), {
                  Sid: 'Legacy importer',
                  Effect: 'Allow',
                  Principal: { AWS: root(DEMO_FOREIGN) },
                  Action: 'kms:*',
                  Resource: '*',
                }),
              }),
              key(10, {
                aliases: ['alias/locked-out'],
                lockedOut: true,
                policy: policy(ownerStatement(staging)),
              }),
            ],
          },
          {
            name: 'eu-west-1',
            keys: [
              key(11, {
                multiRegion: true,
                multiRegionKeyType: 'REPLICA',
                aliases: ['alias/global-orders'],
                policy: policy(
                  ownerStatement(staging),
                  { Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: USE, Resource: '*' },
                  {
                    Sid: 'Only our accounts',
                    Effect: 'Deny',
                    Principal: '*',
                    Action: 'kms:*',
                    Resource: '*',
                    Condition: { StringNotEquals: { 'aws:PrincipalAccount': [prod, staging, security] } },
                  },
                ),
              }),
            ],
          },
        ],
      },
      {
        id: security,
        name: 'security',
        regions: [
          {
            name: 'us-east-1',
            keys: [
              key(12, {
                aliases: ['alias/audit-logs'],
                policy: policy(ownerStatement(security), {
                  Sid: 'Allow CloudTrail to encrypt logs',
                  Effect: 'Allow',
                  Principal: { Service: 'cloudtrail.amazonaws.com' },
                  Action: 'kms:GenerateDataKey*',
                  Resource: '*',
                  Condition: {
                    StringLike: {
                      'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${security}:trail/*`,
                    },
                  },
                }),
                grants: [
                  {
                    grantId: 'grant-retire-0003',
                    granteePrincipal: `arn:aws:iam::${security}:role/log-reader`,
                    retiringPrincipal: `arn:aws:iam::${STRANGER}:role/cleanup`,
                    operations: ['Decrypt'],
                  },
                ],
              }),
            ],
          },
          { name: 'eu-west-1', keys: [] },
        ],
      },
    ],
  };
}

/** The config the demo scans with, as a user would write it. */
export const DEMO_CONFIG = `# kms-sentinel demo: the built-in organization, served by the loopback sandbox
accounts:
  - { id: "${DEMO_ACCOUNTS.prod}", name: prod }
  - { id: "${DEMO_ACCOUNTS.staging}", name: staging }
  - { id: "${DEMO_ACCOUNTS.security}", name: security }
roleName: ${DEMO_ROLE}
regions: [${DEMO_REGIONS.join(', ')}]
organization:
  trustMembers: true           # the three accounts trust each other
trusted: ["arn:aws:iam::${DEMO_PARTNER}:role/Backup"]
`;
