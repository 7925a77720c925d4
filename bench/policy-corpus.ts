import {
  consoleDefaultPolicy,
  KEY_ADMIN_ACTIONS,
  KEY_USER_ACTIONS,
  keyAdminStatement,
  ownerStatement,
} from '../src/demo/console-default-policy.js';

/** A deterministic corpus of realistic key policies, 1-3 KB each, in the shapes KMS keys carry in practice. */
export interface CorpusPolicy {
  readonly text: string;
  readonly keyAccount: string;
}

export function policyCorpus(size: number): CorpusPolicy[] {
  const corpus: CorpusPolicy[] = [];
  for (let i = 0; i < size; i++) {
    const policy = policyNumber(i) as { Statement: object[] };
    if (i % 3 === 0) policy.Statement.push(appRoles(i));
    corpus.push({ text: JSON.stringify(policy, null, 2), keyAccount: own(i) });
  }
  return corpus;
}

const own = (i: number) => String(100000000000 + (i % 977) * 7919);
const foreign = (i: number) => String(900000000000 + (i % 313) * 104729);

/** The console's default key-administrator and key-user actions. */
export const ADMIN_ACTIONS = KEY_ADMIN_ACTIONS;
export const USE_ACTIONS = KEY_USER_ACTIONS;

/** Larger keys often carry a long list of application roles. */
function appRoles(i: number): object {
  const roles = Array.from({ length: 4 + (i % 12) }, (_, n) => `arn:aws:iam::${own(i)}:role/service-${n}-${i % 101}`);
  return {
    Sid: 'Allow application roles',
    Effect: 'Allow',
    Principal: { AWS: roles },
    Action: USE_ACTIONS,
    Resource: '*',
  };
}

/** The console default's first statement: the key's own account may do everything. */
export { ownerStatement };

const adminRoles = (account: string, otherRole: string) => [
  `arn:aws:iam::${account}:role/KeyAdmin`,
  `arn:aws:iam::${account}:role/${otherRole}`,
];

/** The console default's key administrators: KeyAdmin and one more role of the account. */
export function adminStatement(account: string, otherRole: string): object {
  return keyAdminStatement(adminRoles(account, otherRole));
}

function policyNumber(i: number): object {
  const account = own(i);
  const root = ownerStatement(account);
  const admins = adminStatement(account, `Platform-${i % 17}`);
  const users = [`arn:aws:iam::${account}:role/app-${i % 31}`, `arn:aws:iam::${foreign(i)}:root`];
  switch (i % 6) {
    case 0:
      return consoleDefaultPolicy(account, {
        id: `key-consolepolicy-${i % 9}`,
        admins: adminRoles(account, `Platform-${i % 17}`),
        users,
      });
    case 1:
      return {
        Version: '2012-10-17',
        Id: 'auto-ebs-2',
        Statement: [
          {
            Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: [...USE_ACTIONS, 'kms:CreateGrant'],
            Resource: '*',
            Condition: {
              StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' },
            },
          },
          {
            Sid: 'Allow direct access to key metadata to the account',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
            Resource: '*',
          },
        ],
      };
    case 2:
      return {
        Version: '2012-10-17',
        Statement: [
          root,
          admins,
          {
            Sid: 'OrgUse',
            Effect: 'Allow',
            Principal: '*',
            Action: USE_ACTIONS,
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
              ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Backup*' },
            },
          },
          {
            Sid: 'Guard',
            Effect: 'Deny',
            Principal: '*',
            Action: 'kms:*',
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:PrincipalAccount': [account, foreign(i)] } },
          },
        ],
      };
    case 3:
      return {
        Version: '2012-10-17',
        Statement: [
          root,
          {
            Sid: 'CloudTrail',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Resource: '*',
            Condition: {
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${account}:trail/*` },
            },
          },
          {
            Sid: 'Decrypt logs',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
            Resource: '*',
            Condition: {
              StringEquals: { 'kms:CallerAccount': [account, foreign(i)] },
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${account}:trail/*` },
            },
          },
        ],
      };
    case 4:
      return {
        Version: '2012-10-17',
        Statement: [
          root,
          admins,
          {
            Sid: 'Partners',
            Effect: 'Allow',
            Principal: {
              AWS: [
                `arn:aws:iam::${foreign(i)}:role/Reader`,
                `arn:aws:sts::${foreign(i + 1)}:assumed-role/Ops/s`,
                foreign(i + 2),
                'AROAEXAMPLEEXAMPLE12',
              ],
            },
            Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GetPublicKey'],
            Resource: '*',
          },
        ],
      };
    default:
      return {
        Version: '2012-10-17',
        Statement: [
          root,
          admins,
          {
            Sid: 'Legacy',
            Effect: 'Allow',
            NotPrincipal: { AWS: `arn:aws:iam::${account}:role/Blocked` },
            NotAction: ['kms:Put*', 'kms:Schedule*'],
            Resource: '*',
            Condition: {
              StringLike: {
                'aws:PrincipalArn': [`arn:aws:iam::${account}:role/*`, `arn:aws:iam::${foreign(i)}:role/*`],
              },
            },
          },
        ],
      };
  }
}
