import type { KeySnapshot } from '../../core/scan/types.js';
import type { RegionSession } from '../aws-port.js';
import { roleArnFor } from '../scan-plan.js';
import type { RemediationParts } from './remediation-parts.js';

/** The key's account and region, opened with the audit role as a scan would, for a few calls (closed by the caller). */
export async function openKeyRegion(parts: RemediationParts, key: KeySnapshot): Promise<RegionSession> {
  const identity = await parts.aws.callerIdentity();
  const planned = parts.plan.accounts?.find((a) => a.id === key.accountId) ?? {
    id: key.accountId,
    name: undefined,
    roleArn: undefined,
  };
  const session = await parts.aws.openAccount({
    accountId: key.accountId,
    roleArn: roleArnFor(planned, parts.plan, identity),
    externalId: parts.plan.externalId,
  });
  const region = session.region(key.region, AbortSignal.timeout(120_000));
  return {
    ...bind(region),
    close: () => {
      region.close();
      session.close();
    },
  };
}

function bind(region: RegionSession): RegionSession {
  return {
    keyTurn: () => region.keyTurn(),
    listKeyIds: () => region.listKeyIds(),
    aliasesByKey: () => region.aliasesByKey(),
    describeKey: (id) => region.describeKey(id),
    getKeyPolicy: (id) => region.getKeyPolicy(id),
    listGrants: (id) => region.listGrants(id),
    putKeyPolicy: (id, policy) => region.putKeyPolicy(id, policy),
    revokeGrant: (id, grant) => region.revokeGrant(id, grant),
    listResourceTags: (id) => region.listResourceTags(id),
    close: () => region.close(),
  };
}
