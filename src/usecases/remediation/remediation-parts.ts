import type { RemediationPlan } from '../../core/remediation/plan.js';
import type { AwsPort } from '../aws-port.js';
import type { Log } from '../log-port.js';
import type { RecordPort } from '../record-port.js';
import type { ScanPlan } from '../scan-plan.js';

export interface RemediationParts {
  readonly record: RecordPort;
  readonly aws: AwsPort;
  readonly plan: ScanPlan;
  readonly now: () => Date;
  /** Waits `ms` on the clock `now` reads, or until `signal` aborts (the claim's heartbeat); real time by default. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly newId: () => string;
  /** Tags that mark a key as managed as code (beside aws:cloudformation:stack-name). */
  readonly iacTags: readonly string[];
  /** Where a write dropped because its holder lost the key is said (the CLI prints its result instead). */
  readonly log?: Log;
}

export interface RemediationRequest {
  readonly keyArn: string;
  /** Only these principals' findings; every finding of the key when empty. */
  readonly principals?: readonly string[];
  readonly actor: string;
  readonly reason: string;
  /** Apply even though the key is managed as code (its next deployment will put the exposure back). */
  readonly forceManaged?: boolean;
  /** The digest of the plan the person reviewed (planDigest): a plan that differs now is refused, not applied. */
  readonly reviewed?: string;
}

/** What happened, in terms a person and a machine can both act on. */
export type RemediationResult =
  | {
      readonly outcome: 'refused';
      readonly why: RefusalReason;
      readonly message: string;
      readonly plan: RemediationPlan | undefined;
      readonly correctedPolicy?: string;
    }
  | {
      readonly outcome: 'applied' | 'failed';
      readonly id: string;
      readonly plan: RemediationPlan;
      /** Plain statements of what was and was not changed in AWS. */
      readonly changed: readonly string[];
      readonly notChanged: readonly string[];
      readonly message: string;
    };

export type RefusalReason =
  | 'unknown-key'
  | 'plan'
  | 'changed-since-review'
  | 'drift'
  | 'managed-as-code'
  | 'aws'
  /** Another remediation or undo of the key is under way (in this process or another sharing the record). */
  | 'in-progress';
