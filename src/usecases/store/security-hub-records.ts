import type { StoredFinding } from './records.js';

/** A finding Security Hub does not hold as it now is: new, changed, resolved since it was pushed, or failed before. */
export interface HubPending {
  readonly finding: StoredFinding;
  /** The finding's state as the record computes it; what to record once Security Hub accepts this version. */
  readonly state: string;
  /** When Security Hub last accepted a version of it (its UpdatedAt); null: never. */
  readonly pushedAt: string | null;
  /**
   * Which Security Hub finding this version goes to (0: the first; see asffId). A finding open again after Security
   * Hub held it acknowledged or resolved goes to a new one, so that Security Hub creates it with workflow NEW.
   */
  readonly generation: number;
  /** Earlier generations that may still be active in Security Hub, to archive with this push (oldest first). */
  readonly retire: readonly number[];
}

/** What one push did: the findings Security Hub accepted, and those that failed for good. */
export interface HubPushOutcome {
  readonly at: string;
  readonly accepted: readonly {
    readonly fingerprint: string;
    readonly state: string;
    readonly pushedAt: string;
    readonly generation: number;
    /** The oldest earlier generation Security Hub may still hold active (null: every one is archived). */
    readonly retireFrom: number | null;
  }[];
  readonly failed: readonly {
    readonly fingerprint: string;
    readonly state: string;
    readonly code: string;
    readonly message: string;
  }[];
}

/** A finding whose last push failed for good, and why. */
export interface HubFailure {
  readonly fingerprint: string;
  readonly keyArn: string | null;
  readonly failedAt: string;
  readonly code: string;
  readonly message: string;
}

/** The push as the record has it: how many findings Security Hub holds, and those that failed (the latest first). */
export interface HubRecordState {
  readonly pushed: number;
  readonly lastPushAt: string | null;
  readonly failed: number;
  readonly latestFailures: readonly HubFailure[];
}
