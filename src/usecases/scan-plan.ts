import type { TrustEntry } from '../core/trust.js';

/** Everything a scan needs to know, resolved from the config file and the command line. */
export interface ScanPlan {
  /** Accounts to scan; undefined means the account of the current credentials. */
  readonly accounts: readonly PlannedAccount[] | undefined;
  readonly roleName: string;
  readonly externalId: string | undefined;
  readonly organization: { readonly discover: boolean; readonly trustMembers: boolean };
  readonly regions: readonly string[] | 'all';
  readonly trusted: readonly TrustEntry[];
  /** How many account-regions are scanned at once, and how many keys within one. */
  readonly concurrency: { readonly regions: number; readonly keys: number };
  /** A region that has not finished by then is abandoned and reported (the scan goes on). */
  readonly regionTimeoutMs: number;
}

export interface PlannedAccount {
  readonly id: string;
  readonly name: string | undefined;
  readonly roleArn: string | undefined;
}
