import type { RemediationPlan } from './plan.js';

/** The plan for people, as lines: what changes in the policy, which grants go, what is refused, the checks. */
export function planLines(plan: RemediationPlan): string[] {
  const lines = [`Remediation of ${plan.keyArn} (account ${plan.accountId}, ${plan.region})`];
  if (plan.edits.length > 0) {
    lines.push('Key policy:');
    for (const e of plan.edits) {
      switch (e.kind) {
        case 'remove-principal':
          lines.push(`  - statement "${e.statement}": remove ${e.principal} (${e.why})`);
          break;
        case 'remove-stale':
          lines.push(`  - statement "${e.statement}": remove ${e.principal} (${e.why})`);
          break;
        case 'keep-trusted':
          lines.push(`  + statement "${e.statement}": name ${e.principal} (${e.why})`);
          break;
        case 'drop-statement':
          lines.push(`  - statement "${e.statement}": dropped (${e.why})`);
          break;
        case 'narrow':
          lines.push(
            e.callerAccounts.length > 0
              ? `  ~ statement "${e.statement}": narrowed to kms:CallerAccount ${e.callerAccounts.join(', ')}${e.removed.length > 0 ? `; removed ${e.removed.join(', ')}` : ''} (${e.why})`
              : `  ~ statement "${e.statement}": removed ${e.removed.join(', ')} from its conditions (${e.why})`,
          );
          break;
      }
    }
  }
  if (plan.revocations.length > 0) {
    lines.push('Grants:');
    for (const r of plan.revocations)
      lines.push(`  - revoke ${r.grantId}: ${r.grantee}, ${r.operations.join(', ')} (${r.why})`);
  }
  if (plan.refusals.length > 0) {
    lines.push('Refused:');
    for (const r of plan.refusals) lines.push(`  ! ${r.reason}`);
  }
  if (plan.checks.length > 0) {
    lines.push('Checks:');
    for (const c of plan.checks) lines.push(`  ${c.passed ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`);
  }
  const calls = apiCalls(plan);
  if (calls.length > 0) lines.push(`AWS calls: ${calls.join(', ')}`);
  return lines;
}

/** The calls applying the plan makes, in order. */
export function apiCalls(plan: RemediationPlan): string[] {
  return [
    ...(plan.after === null ? [] : ['kms:PutKeyPolicy (BypassPolicyLockoutSafetyCheck false)']),
    ...plan.revocations.map((r) => `kms:RevokeGrant ${r.grantId}`),
  ];
}
