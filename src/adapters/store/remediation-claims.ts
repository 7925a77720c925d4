import { CLAIM_LEASE_MS, type ClaimResult, type KeyClaim, type KeyClaimHolder } from '../../usecases/store-port.js';
import type { Journal } from './journal.js';
import { HOST, PID_NAMESPACE, stoppedHere } from './process-liveness.js';
import type { Statements } from './statements.js';

/** A claim's row, as stored. */
export interface ClaimRow {
  key_arn: string;
  claim_id: string;
  action: KeyClaim['action'];
  remediation_id: string | null;
  actor: string;
  host: string;
  pid: number;
  pid_namespace: string;
  claimed_at: string;
  /** Null in a claim an older version took (it did not renew): its age counts from claimed_at. */
  renewed_at: string | null;
}

/** Which remediation, undo or settling holds each key now: one at a time per key, whichever process asks. */
export class RemediationClaims {
  private readonly statements: Statements;
  private readonly journal: Journal;

  constructor(statements: Statements, journal: Journal) {
    this.statements = statements;
    this.journal = journal;
  }

  /** Runs inside the caller's transaction (an immediate one), so two processes never both hold a key. */
  claim(claim: KeyClaim, now: Date): ClaimResult {
    const row = this.statements
      .sql<[string], ClaimRow>('SELECT * FROM remediation_claims WHERE key_arn = ?')
      .get(claim.keyArn);
    if (row !== undefined && !claimStopped(row, now)) {
      return {
        taken: false,
        holder: holderOf(row),
        staleAt: new Date(Date.parse(renewedAt(row)) + CLAIM_LEASE_MS).toISOString(),
      };
    }
    const at = now.toISOString();
    this.statements
      .sql(
        `INSERT INTO remediation_claims (key_arn, claim_id, action, remediation_id, actor, host, pid, pid_namespace, claimed_at, renewed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key_arn) DO UPDATE SET claim_id = excluded.claim_id, action = excluded.action,
           remediation_id = excluded.remediation_id, actor = excluded.actor, host = excluded.host, pid = excluded.pid,
           pid_namespace = excluded.pid_namespace, claimed_at = excluded.claimed_at, renewed_at = excluded.renewed_at`,
      )
      .run(
        claim.keyArn,
        claim.claimId,
        claim.action,
        claim.remediationId,
        claim.actor,
        HOST,
        process.pid,
        PID_NAMESPACE,
        at,
        at,
      );
    if (row === undefined) return { taken: true, replaced: undefined };
    const replaced = holderOf(row);
    this.journal.audit(at, claim.actor, 'remediation-claim-taken-over', claim.keyArn, replaced, {
      action: claim.action,
      remediation: claim.remediationId,
    });
    return { taken: true, replaced };
  }

  release(keyArn: string, claimId: string): void {
    this.statements.sql('DELETE FROM remediation_claims WHERE key_arn = ? AND claim_id = ?').run(keyArn, claimId);
  }

  /** Renews the lease; false when the claim no longer holds the key. */
  renew(keyArn: string, claimId: string, now: Date): boolean {
    return (
      this.statements
        .sql('UPDATE remediation_claims SET renewed_at = ? WHERE key_arn = ? AND claim_id = ?')
        .run(now.toISOString(), keyArn, claimId).changes === 1
    );
  }
}

/**
 * The holder has stopped: its lease was not renewed for CLAIM_LEASE_MS (it holds for any machine or PID namespace, and
 * for a process ID since reused), or, at once, it is a process of this machine and PID namespace that no longer runs.
 */
export function claimStopped(row: ClaimRow, now: Date): boolean {
  if (now.getTime() - Date.parse(renewedAt(row)) > CLAIM_LEASE_MS) return true;
  return stoppedHere({ host: row.host, pidNamespace: row.pid_namespace, pid: row.pid });
}

function renewedAt(row: ClaimRow): string {
  return row.renewed_at ?? row.claimed_at;
}

function holderOf(row: ClaimRow): KeyClaimHolder {
  return {
    keyArn: row.key_arn,
    claimId: row.claim_id,
    action: row.action,
    remediationId: row.remediation_id,
    actor: row.actor,
    host: row.host,
    pid: row.pid,
    claimedAt: row.claimed_at,
    renewedAt: renewedAt(row),
  };
}
