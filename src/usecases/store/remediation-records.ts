import type { RemediationPlan } from '../../core/remediation/plan.js';

/** A remediation about to write: everything needed to explain it, and to undo it. */
export interface RemediationStart {
  readonly id: string;
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly actor: string;
  readonly reason: string;
  /** The policy exactly as read just before writing, and its SHA-256. */
  readonly backupPolicy: string;
  readonly backupHash: string;
  /** What will be written (null: only grants are revoked). */
  readonly writtenPolicy: string | null;
  readonly plan: RemediationPlan;
}

export interface RemediationRecord extends RemediationStart {
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /**
   * `applying` until it ends: `applied`, `failed` (what was and was not changed is in `outcome`), or `undone`;
   * `undoing` while an undo of it runs (see `undo`).
   */
  readonly status: 'applying' | 'applied' | 'failed' | 'undoing' | 'undone';
  /** IDs of the grants revoked. */
  readonly revoked: readonly string[];
  readonly outcome: unknown;
  /** The undo recorded before it wrote to AWS: under way while `undoing`, kept once `undone` (null: none). */
  readonly undo: UndoStart | null;
}

/** An undo about to write: who, since when, and the policy it writes (the backup). */
export interface UndoStart {
  readonly actor: string;
  readonly startedAt: string;
  readonly policy: string;
}

/**
 * A claim on a key: the one remediation, undo or settling of interrupted remediations allowed to change it at a time,
 * across every process that shares the record.
 */
export interface KeyClaim {
  readonly keyArn: string;
  /** Unique to this claim: only it releases the claim. */
  readonly claimId: string;
  readonly action: 'remediate' | 'undo' | 'settle';
  /** The remediation applied, or undone (null: settling). */
  readonly remediationId: string | null;
  readonly actor: string;
}

/**
 * The claim a remediation's record write is made under: the write happens only while this claim still holds the key
 * (checked, and the claim renewed, in the write's own transaction), so a holder that lost the key records nothing.
 */
export interface HeldKey {
  readonly keyArn: string;
  readonly claimId: string;
}

export type RemediationStatus = RemediationRecord['status'];

/** A claim as held: by which process, where, since when, and when its holder last renewed it. */
export interface KeyClaimHolder extends KeyClaim {
  readonly host: string;
  readonly pid: number;
  readonly claimedAt: string;
  readonly renewedAt: string;
}

/**
 * A claim is a lease: its holder renews it (every CLAIM_RENEW_MS) while it works, and one not renewed for
 * CLAIM_LEASE_MS is taken over, whichever machine or PID namespace its holder ran in.
 */
export const CLAIM_LEASE_MS = 60_000;
export const CLAIM_RENEW_MS = 10_000;

/**
 * Taken (`replaced`: the claim of a holder that had stopped, killed or crashed, that this one took over), or held by
 * someone else.
 */
export type ClaimResult =
  | { readonly taken: true; readonly replaced: KeyClaimHolder | undefined }
  /** `staleAt`: when the claim is taken over unless its holder renews it first. */
  | { readonly taken: false; readonly holder: KeyClaimHolder; readonly staleAt: string };
