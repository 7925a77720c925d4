import type { ClaimResult, KeyClaim, KeyClaimHolder } from '../../usecases/store-port.js';
import type { Journal } from './journal.js';
import { HOST, isAlive, PID_NAMESPACE } from './process-liveness.js';
import type { Statements } from './statements.js';

/**
 * A claim older than this is taken over whatever process holds it (another machine sharing the file, a process ID
 * reused): a remediation's AWS calls end within minutes, so its holder is long gone.
 */
const STALE_AFTER_MS = 3600 * 1000;

interface Row {
  key_arn: string;
  claim_id: string;
  action: KeyClaim['action'];
  remediation_id: string | null;
  actor: string;
  host: string;
  pid: number;
  pid_namespace: string;
  claimed_at: string;
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
      .sql<[string], Row>('SELECT * FROM remediation_claims WHERE key_arn = ?')
      .get(claim.keyArn);
    if (row !== undefined && !stopped(row, now)) return { taken: false, holder: holderOf(row) };
    const at = now.toISOString();
    this.statements
      .sql(
        `INSERT INTO remediation_claims (key_arn, claim_id, action, remediation_id, actor, host, pid, pid_namespace, claimed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key_arn) DO UPDATE SET claim_id = excluded.claim_id, action = excluded.action,
           remediation_id = excluded.remediation_id, actor = excluded.actor, host = excluded.host, pid = excluded.pid,
           pid_namespace = excluded.pid_namespace, claimed_at = excluded.claimed_at`,
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
}

/** The holder has stopped: a process of this machine (and PID namespace) that no longer runs, or a claim long past. */
function stopped(row: Row, now: Date): boolean {
  const here = row.host === HOST && row.pid_namespace === PID_NAMESPACE;
  return (here && !isAlive(row.pid)) || now.getTime() - Date.parse(row.claimed_at) > STALE_AFTER_MS;
}

function holderOf(row: Row): KeyClaimHolder {
  return {
    keyArn: row.key_arn,
    claimId: row.claim_id,
    action: row.action,
    remediationId: row.remediation_id,
    actor: row.actor,
    host: row.host,
    pid: row.pid,
    claimedAt: row.claimed_at,
  };
}
