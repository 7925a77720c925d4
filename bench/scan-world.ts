import type { KmsOperation, World, WorldKey } from '../src/sandbox/world.js';

export interface OrgShape {
  readonly accounts: number;
  readonly regions: number;
  readonly keysPerRegion: number;
  readonly latencyMs: number;
  readonly quotas: Partial<Record<KmsOperation, number>>;
}

export const BENCH_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2', 'eu-central-1', 'ca-central-1'];
export const BENCH_CALLER = '100000000000';
export const BENCH_ROLE = 'KmsSentinelAudit';

/** A synthetic organization: mostly clean keys, a few foreign shares and grants, one AWS-managed key per region. */
export function benchWorld(shape: OrgShape): World {
  const accounts = Array.from({ length: shape.accounts }, (_, a) => String(BigInt(BENCH_CALLER) + BigInt(a + 1)));
  return {
    callerAccount: BENCH_CALLER,
    latencyMs: shape.latencyMs,
    quotas: shape.quotas,
    accounts: accounts.map((id, a) => ({
      id,
      roles: [{ name: BENCH_ROLE }],
      regions: BENCH_REGIONS.slice(0, shape.regions).map((name, r) => ({
        name,
        keys: Array.from({ length: shape.keysPerRegion }, (_, k) => benchKey(id, a, r, k)),
      })),
    })),
  };
}

function benchKey(account: string, a: number, r: number, k: number): WorldKey {
  const keyId = `${hex(a, 8)}-${hex(r, 4)}-4${hex(k, 3)}-8000-${hex(a * 100_000 + r * 10_000 + k, 12)}`;
  const statements: object[] = [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Key users',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:role/app-${k % 7}` },
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
    },
  ];
  if (k % 10 === 0)
    statements.push({
      Sid: 'Partner',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::9999${hex(k, 8).replace(/[a-f]/g, '1')}:root` },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
  return {
    keyId,
    keyManager: k === 0 ? 'AWS' : 'CUSTOMER',
    // AWS names its managed keys' aliases alias/aws/<service>; no customer key may have one.
    aliases: [k === 0 ? 'alias/aws/ebs' : `alias/key-${a}-${r}-${k}`],
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    grants:
      k % 25 === 1
        ? [
            {
              grantId: `grant-${keyId}`,
              granteePrincipal: 'arn:aws:iam::888888888888:role/etl',
              operations: ['Decrypt'],
            },
          ]
        : [],
  };
}

function hex(n: number, width: number): string {
  return (n % 16 ** width).toString(16).padStart(width, '0');
}
