import type { KeySnapshot } from '../scan/types.js';
import type { TrustEntry } from '../trust.js';

/** One change the plan makes to the key policy, for people and for the record. */
export type PolicyEdit =
  | { readonly kind: 'remove-principal'; readonly statement: string; readonly principal: string; readonly why: string }
  | { readonly kind: 'drop-statement'; readonly statement: string; readonly why: string }
  | {
      readonly kind: 'narrow';
      readonly statement: string;
      /** The accounts `kms:CallerAccount` now allows. */
      readonly callerAccounts: readonly string[];
      /** Condition values taken out (untrusted accounts, organizations, ARN patterns). */
      readonly removed: readonly string[];
      readonly why: string;
    }
  | { readonly kind: 'remove-stale'; readonly statement: string; readonly principal: string; readonly why: string }
  | { readonly kind: 'keep-trusted'; readonly statement: string; readonly principal: string; readonly why: string };

export interface GrantRevocation {
  readonly grantId: string;
  readonly grantee: string;
  readonly retiringPrincipal: string | null;
  readonly operations: readonly string[];
  readonly why: string;
}

export interface PlanCheck {
  readonly name:
    | 'fixes-findings'
    | 'no-new-findings'
    | 'trusted-keep-access'
    | 'owner-keeps-control'
    | 'valid-document';
  readonly passed: boolean;
  readonly detail: string;
}

export interface Refusal {
  readonly principal: string;
  readonly statement: string | null;
  readonly reason: string;
}

export interface RemediationPlan {
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  /** The policy as read, and as it would be written (null: the policy stays as it is; only grants change). */
  readonly before: string;
  readonly after: string | null;
  readonly edits: readonly PolicyEdit[];
  readonly revocations: readonly GrantRevocation[];
  /** Fingerprints of the findings the plan fixes. */
  readonly fixes: readonly string[];
  readonly refusals: readonly Refusal[];
  readonly checks: readonly PlanCheck[];
  /** True when it may be applied: something to do, nothing refused, every check passed. */
  readonly ok: boolean;
}

export interface PlanRequest {
  readonly key: KeySnapshot;
  readonly trusted: readonly TrustEntry[];
  /** Only the findings of these principals; every finding of the key when empty. */
  readonly principals?: readonly string[];
}
