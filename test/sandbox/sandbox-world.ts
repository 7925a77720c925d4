/** A small world shared by the sandbox tests, and client settings that point the real SDK at a sandbox. */
import type { Sandbox, World, WorldKey } from '../../src/sandbox/index.js';

export const MANAGEMENT = '111111111111';
export const MEMBER = '222222222222';
export const OTHER = '333333333333';
export const REGION = 'eu-west-1';

export function keyId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export function policyFor(account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  });
}

function keys(count: number, from: number): WorldKey[] {
  return Array.from({ length: count }, (_, i) => ({ keyId: keyId(from + i), policy: policyFor(MEMBER) }));
}

export function testWorld(overrides: Partial<World> = {}): World {
  return {
    callerAccount: MANAGEMENT,
    organization: {
      id: 'o-abcdefghij',
      managementAccount: MANAGEMENT,
      accounts: [
        { id: MANAGEMENT, name: 'management' },
        { id: MEMBER, name: 'member' },
        { id: OTHER, name: 'other', status: 'SUSPENDED' },
      ],
    },
    accounts: [
      {
        id: MANAGEMENT,
        regions: [{ name: REGION, keys: keys(7, 1) }],
      },
      {
        id: MEMBER,
        roles: [{ name: 'Auditor', externalId: 'secret-ext' }, { name: 'Plain' }],
        regions: [
          {
            name: REGION,
            keys: [
              {
                keyId: keyId(100),
                description: 'orders',
                policy: policyFor(OTHER),
                aliases: ['alias/orders', 'alias/orders-old'],
                grants: Array.from({ length: 5 }, (_, i) => ({
                  grantId: `grant-${i}`,
                  name: `g${i}`,
                  granteePrincipal: `arn:aws:iam::${OTHER}:role/app${i}`,
                  operations: ['Decrypt'],
                  ...(i === 0 ? { constraints: { EncryptionContextSubset: { team: 'a' } } } : {}),
                })),
              },
              { keyId: keyId(101), policy: '{"Version":"2012-10-17","Statement":[]}', policyReadable: false },
              { keyId: keyId(102), policy: policyFor(MEMBER), vanishes: true },
              { keyId: keyId(103), policy: policyFor(MEMBER), keyManager: 'AWS', aliases: ['alias/aws/s3'] },
              { keyId: 'mrk-0123456789abcdef0123456789abcdef', policy: policyFor(MEMBER), multiRegion: true },
            ],
          },
          {
            name: 'us-east-1',
            keys: [
              {
                keyId: 'mrk-0123456789abcdef0123456789abcdef',
                policy: policyFor(MEMBER),
                multiRegion: true,
                multiRegionKeyType: 'REPLICA',
              },
            ],
          },
        ],
        disabledRegions: ['ap-east-1'],
        deniedRegions: ['eu-central-1'],
        hangingRegions: ['eu-north-1'],
      },
    ],
    ...overrides,
  };
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SDK client settings: the sandbox endpoint, a region and credentials (the base ones unless given). */
export function clientConfig(sandbox: Sandbox, region = REGION, credentials?: Credentials) {
  return {
    endpoint: sandbox.url,
    region,
    credentials: credentials ?? {
      accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  };
}

/** The error `promise` rejects with; fails when it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
