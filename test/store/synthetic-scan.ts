import { evaluateKey } from '../../src/core/scan/evaluate-key.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { trustZone } from '../../src/core/trust.js';
import type { ScanResult } from '../../src/usecases/run-scan.js';

/** An account outside every trust list used by the store tests. */
export const FOREIGN = '999999999999';

/** A key in `account` whose policy lets FOREIGN decrypt: one finding once judged. */
export function sharedKey(account: string, keyId: string, region = 'us-east-1'): KeySnapshot {
  return {
    accountId: account,
    region,
    keyId,
    keyArn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    aliases: [`alias/${keyId}`],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Owner',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        { Sid: 'Shared', Effect: 'Allow', Principal: { AWS: FOREIGN }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    }),
    grants: [],
  };
}

/** A finished, complete scan of `keys`, judged with an empty trust list. */
export function scanOf(id: string, keys: KeySnapshot[], at: Date): ScanResult {
  const findings = keys.flatMap((k) => evaluateKey(k, trustZone(k.accountId, [])).findings);
  const scopes = [...new Set(keys.map((k) => `${k.accountId}/${k.region}`))].map((s) => s.split('/'));
  const time = at.toISOString();
  return {
    scan: {
      id,
      startedAt: time,
      finishedAt: time,
      accounts: new Set(keys.map((k) => k.accountId)).size,
      regions: scopes.length,
      keys: keys.length,
      customerManagedKeys: keys.length,
      apiCalls: 3 * keys.length,
      complete: true,
    },
    findings,
    errors: [],
    notices: [],
    keys,
    coverage: scopes.map(([accountId, region]) => ({
      accountId: accountId as string,
      region: region as string,
      complete: true,
    })),
    accountNames: new Map(),
  };
}
