import type { KeyFinding, KeySnapshot } from '../scan/types.js';
import type { GrantRevocation } from './types.js';

/** The grants to revoke: each grant with a selected finding, once, with why. */
export function revocationsOf(findings: readonly KeyFinding[], key: KeySnapshot): GrantRevocation[] {
  const byGrant = new Map<string, GrantRevocation>();
  for (const f of findings) {
    if (f.source !== 'grant' || f.grantId === null || byGrant.has(f.grantId)) continue;
    const grant = key.grants?.find((g) => g.grantId === f.grantId);
    if (grant === undefined) continue;
    const onlyRetiring =
      f.kind === 'retiring-grantee' && !findings.some((o) => o.grantId === f.grantId && o.kind === 'grantee');
    byGrant.set(f.grantId, {
      grantId: grant.grantId,
      grantee: grant.granteePrincipal,
      retiringPrincipal: grant.retiringPrincipal,
      operations: grant.operations,
      why: onlyRetiring
        ? `its only foreign party is the retiring principal ${grant.retiringPrincipal}, who could delete it; a grant cannot be changed, so it is revoked (create it again without that retiring principal if it is still needed)`
        : f.reason,
    });
  }
  return [...byGrant.values()];
}
