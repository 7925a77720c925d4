import type { World } from '../../src/sandbox/index.js';
import { cleanKeys, keyId, policyOf, sharedWith } from './sandbox.js';

export const PROD = '111111111111';
export const STAGING = '222222222222';
export const FOREIGN = '999999999999';
export const PARTNER = '777788889999';

export const KEYS = {
  shared: keyId(),
  public: keyId(),
  staging: keyId(),
  locked: keyId(),
};

const owner = (account: string) => ({
  Sid: 'Owner',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});

/** Two accounts: prod (the caller's) with a key shared with FOREIGN and a public one; staging with a key open to two accounts; a key that shuts the scanner out. */
export function botWorld(options: { latencyMs?: number } = {}): World {
  return {
    callerAccount: PROD,
    latencyMs: options.latencyMs ?? 0,
    accounts: [
      {
        id: PROD,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              ...cleanKeys(PROD, 2),
              { keyId: KEYS.shared, aliases: ['alias/payments'], policy: sharedWith(PROD, FOREIGN) },
              {
                keyId: KEYS.public,
                aliases: ['alias/reports'],
                policy: policyOf(owner(PROD), {
                  Sid: 'Anyone',
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 'kms:Decrypt',
                  Resource: '*',
                }),
              },
            ],
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
              {
                keyId: KEYS.staging,
                aliases: ['alias/ci'],
                policy: policyOf(owner(STAGING), {
                  Sid: 'CI *accounts*',
                  Effect: 'Allow',
                  Principal: { AWS: [FOREIGN, PARTNER] },
                  Action: ['kms:Decrypt', 'kms:Encrypt'],
                  Resource: '*',
                }),
              },
              { keyId: KEYS.locked, aliases: ['alias/locked'], policy: sharedWith(STAGING, FOREIGN), lockedOut: true },
            ],
          },
        ],
      },
    ],
  };
}
