import type { AsffFinding, SecurityHubTarget } from '../../core/exports/asff.js';

/** Security Hub takes at most this many findings in one BatchImportFindings. */
export const IMPORT_BATCH = 100;

/** A finding Security Hub did not take, as BatchImportFindings' FailedFindings says. */
export interface ImportFailure {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/**
 * What the push needs from Security Hub, in the project's own terms. The AWS adapter implements it with the SDK; a
 * call that fails whole throws an AwsCallError.
 */
export interface SecurityHubPort {
  /** The hub the credentials push to: their own account, and the configured region. */
  target(): Promise<SecurityHubTarget>;
  /** BatchImportFindings with at most IMPORT_BATCH findings; returns those it did not take. */
  importFindings(findings: readonly AsffFinding[], signal?: AbortSignal): Promise<readonly ImportFailure[]>;
  close(): void;
}
