import type { World } from '../../src/sandbox/index.js';
import { cleanKeys, keyId, policyOf, sharedWith } from './sandbox.js';

/** An organization with keys opened every way `who` and `key` must tell apart. */
export const PROD = '111111111111';
export const STAGING = '222222222222';
/** Outside every trust list. */
export const FOREIGN = '999999999999';
/** On the trust list (the config's `trusted:`). */
export const PARTNER = '777788889999';
/** An account nothing names. */
export const NOBODY = '123456789012';
export const ORG = 'o-partnerorg1';

export const READER_ROLE = `arn:aws:iam::${FOREIGN}:role/Reader`;
export const ALICE_SESSION = `arn:aws:sts::${FOREIGN}:assumed-role/Reader/alice`;
export const BOB = `arn:aws:iam::${FOREIGN}:user/bob`;
export const CI_ROLE = `arn:aws:iam::${FOREIGN}:role/ci-deploy`;

export const KEYS = {
  payments: keyId(),
  reports: keyId(),
  reader: keyId(),
  session: keyId(),
  ci: keyId(),
  org: keyId(),
  partner: keyId(),
  backup: keyId(),
  locked: keyId(),
  stagingCi: keyId(),
};

export const arnOf = (account: string, region: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

const owner = (account: string) => ({
  Sid: 'Owner',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});

const allow = (account: string, sid: string, principal: unknown, extra: object = {}) =>
  policyOf(owner(account), {
    Sid: sid,
    Effect: 'Allow',
    Principal: principal,
    Action: ['kms:Decrypt', 'kms:Encrypt'],
    Resource: '*',
    ...extra,
  });

/**
 * prod us-east-1: FOREIGN's root (and a grant to its user bob), a public key, FOREIGN's Reader role, a session of it,
 * FOREIGN's ci-* roles by pattern, an organization-wide statement, the trusted PARTNER; prod eu-west-1: a second
 * alias/payments, shared with FOREIGN; staging: a key that shuts the scanner out and one open to FOREIGN and PARTNER.
 */
export function questionsWorld(): World {
  return {
    callerAccount: PROD,
    accounts: [
      {
        id: PROD,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              ...cleanKeys(PROD, 1),
              {
                keyId: KEYS.payments,
                aliases: ['alias/payments'],
                policy: sharedWith(PROD, FOREIGN),
                grants: [{ grantId: 'g-bob', granteePrincipal: BOB, operations: ['Decrypt', 'GenerateDataKey'] }],
              },
              { keyId: KEYS.reports, aliases: ['alias/reports'], policy: allow(PROD, 'Anyone', '*') },
              {
                keyId: KEYS.reader,
                aliases: ['alias/reader'],
                policy: allow(PROD, 'ReaderRole', { AWS: READER_ROLE }),
              },
              {
                keyId: KEYS.session,
                aliases: ['alias/session'],
                policy: allow(PROD, 'AliceSession', { AWS: ALICE_SESSION }),
              },
              {
                keyId: KEYS.ci,
                aliases: ['alias/ci'],
                policy: allow(PROD, 'CiRoles', '*', {
                  Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${FOREIGN}:role/ci-*` } },
                }),
              },
              {
                keyId: KEYS.org,
                aliases: ['alias/org'],
                policy: allow(PROD, 'OrgWide', '*', {
                  Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
                }),
              },
              { keyId: KEYS.partner, aliases: ['alias/partner'], policy: allow(PROD, 'Partner', { AWS: PARTNER }) },
            ],
          },
          {
            name: 'eu-west-1',
            keys: [{ keyId: KEYS.backup, aliases: ['alias/payments'], policy: sharedWith(PROD, FOREIGN, 'Backup') }],
          },
        ],
      },
      {
        id: STAGING,
        roles: [{ name: 'KmsSentinelAudit' }],
        regions: [
          {
            name: 'us-east-1',
            keys: [
              { keyId: KEYS.locked, aliases: ['alias/locked'], policy: sharedWith(STAGING, FOREIGN), lockedOut: true },
              {
                keyId: KEYS.stagingCi,
                aliases: ['alias/staging-ci'],
                policy: allow(STAGING, 'CI', { AWS: [FOREIGN, PARTNER] }),
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The config that scans it, with PARTNER trusted. */
export function questionsConfig(extra = ''): string {
  return `accounts:
  - { id: "${PROD}", name: prod }
  - { id: "${STAGING}", name: staging }
regions: [us-east-1, eu-west-1]
trusted: ["${PARTNER}"]
${extra}`;
}
