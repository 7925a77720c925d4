import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import type { WorldGrant } from './world.js';
import { epochSeconds, type KeyRecord } from './world-index.js';

function rootArn(account: string): string {
  return account.startsWith('arn:') ? account : `arn:aws:iam::${account}:root`;
}

export function grantEntry(record: KeyRecord, grant: WorldGrant): unknown {
  return {
    KeyId: record.arn,
    GrantId: grant.grantId,
    Name: grant.name,
    CreationDate: epochSeconds(grant.creationDate),
    GranteePrincipal: grant.granteePrincipal,
    RetiringPrincipal: grant.retiringPrincipal,
    IssuingAccount: rootArn(grant.issuingAccount ?? record.account),
    Operations: grant.operations,
    Constraints: grant.constraints,
  };
}

/** What KMS answers when the key policy does not allow the caller an action. */
export function denyUnless(allowed: boolean, action: string, record: KeyRecord, caller: Caller): void {
  if (allowed) return;
  throw new AwsFault(
    'AccessDeniedException',
    `User: ${caller.principal.arn} is not authorized to perform: kms:${action} on resource: ${record.arn} ` +
      `because no resource-based policy allows the kms:${action} action`,
  );
}
