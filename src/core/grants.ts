import { isAccountId, isUniqueId, parsePrincipalArn } from './arn.js';
import { CROSS_ACCOUNT_ACTIONS, type Severity, severityOf } from './policy/actions.js';
import type { GrantEntry } from './scan/types.js';
import { isArnTrusted, type TrustZone } from './trust.js';

export interface GrantFinding {
  readonly kind: 'grantee' | 'retiring-grantee';
  readonly grantId: string;
  readonly principal: string;
  readonly account: string | null;
  readonly actions: readonly string[];
  readonly severity: Severity;
  readonly reason: string;
}

export interface GrantNotice {
  readonly grantId: string;
  readonly code: 'stale-grantee' | 'stale-retiring-principal';
  readonly message: string;
}

/** AWS shows a service (EBS, RDS, ...) acting for the key's account as a service principal: not an account. */
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

type Verdict = { kind: 'trusted' } | { kind: 'stale' } | { kind: 'outside'; account: string | null; why: string };

function judge(principal: string, zone: TrustZone): Verdict {
  if (SERVICE_PRINCIPAL.test(principal)) return { kind: 'trusted' };
  if (isUniqueId(principal)) return { kind: 'stale' };
  const account = isAccountId(principal) ? principal : parsePrincipalArn(principal)?.account;
  if (account === undefined) {
    return { kind: 'outside', account: null, why: `${principal} is not a principal of any trusted account` };
  }
  if (zone.accounts.has(account) || isArnTrusted(zone, principal)) return { kind: 'trusted' };
  return { kind: 'outside', account, why: `account ${account} is not trusted` };
}

/**
 * Judges a key's grants: a grantee outside the trust zone can use the key with the grant's operations; a retiring
 * principal outside it can only delete the grant, which exposes no data (low).
 */
export function analyzeGrants(
  grants: readonly GrantEntry[],
  zone: TrustZone,
): { findings: GrantFinding[]; notices: GrantNotice[] } {
  const findings: GrantFinding[] = [];
  const notices: GrantNotice[] = [];
  for (const grant of grants) {
    const grantee = judge(grant.granteePrincipal, zone);
    if (grantee.kind === 'stale') {
      notices.push({
        grantId: grant.grantId,
        code: 'stale-grantee',
        message: `the grantee ${grant.granteePrincipal} is shown as a unique ID (a principal just created or already deleted); it is checked again on the next scan`,
      });
    } else if (grantee.kind === 'outside') {
      const actions = grantActions(grant.operations);
      findings.push({
        kind: 'grantee',
        grantId: grant.grantId,
        principal: grant.granteePrincipal,
        account: grantee.account,
        actions,
        severity: severityOf(actions, { public: false, allKms: false }),
        reason: `grantee: ${grantee.why}`,
      });
    }
    const retiring = grant.retiringPrincipal;
    if (retiring === null || retiring === grant.granteePrincipal) continue;
    const verdict = judge(retiring, zone);
    if (verdict.kind === 'stale') {
      notices.push({
        grantId: grant.grantId,
        code: 'stale-retiring-principal',
        message: `the retiring principal ${retiring} is shown as a unique ID; it is checked again on the next scan`,
      });
    } else if (verdict.kind === 'outside') {
      findings.push({
        kind: 'retiring-grantee',
        grantId: grant.grantId,
        principal: retiring,
        account: verdict.account,
        actions: ['kms:RetireGrant'],
        severity: 'low',
        reason: `retiring principal: ${verdict.why}; it can retire (delete) the grant`,
      });
    }
  }
  return { findings, notices };
}

/** Grant operations as action names, in the same order as policy findings. Unknown operations are kept. */
function grantActions(operations: readonly string[]): string[] {
  const named = new Set(operations.map((op) => `kms:${op}`));
  const known = CROSS_ACCOUNT_ACTIONS.filter((a) => named.has(a));
  const other = [...named].filter((a) => !(CROSS_ACCOUNT_ACTIONS as readonly string[]).includes(a)).sort();
  return [...known, ...other];
}
