import type { Severity } from '../policy/actions.js';

/** What the scanner read about one customer-managed key: enough to judge it again without calling AWS. */
export interface KeySnapshot {
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly keyArn: string;
  readonly aliases: readonly string[];
  readonly keyState: string;
  readonly multiRegion: boolean;
  /** PRIMARY or REPLICA for multi-Region keys, else null. */
  readonly multiRegionKeyType: string | null;
  /** The `default` key policy as KMS returned it; null when it could not be read. */
  readonly policy: string | null;
  /** The key's grants; null when they could not be listed. */
  readonly grants: readonly GrantEntry[] | null;
}

export interface GrantEntry {
  readonly grantId: string;
  readonly name: string | null;
  readonly granteePrincipal: string;
  readonly retiringPrincipal: string | null;
  readonly issuingAccount: string | null;
  readonly operations: readonly string[];
}

export type FindingSource = 'policy' | 'grant';

/** One principal outside the trust zone that can use one key, through one statement or one grant. */
export interface KeyFinding {
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly keyArn: string;
  readonly aliases: readonly string[];
  readonly keyState: string;
  readonly source: FindingSource;
  readonly statement: string | null;
  readonly grantId: string | null;
  readonly principal: string;
  readonly account: string | null;
  readonly actions: readonly string[];
  readonly severity: Severity;
  readonly public: boolean;
  readonly reason: string;
  /** Set only for unparseable policies: what the parser said. */
  readonly detail?: string;
}

export interface KeyNotice {
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly source: FindingSource;
  readonly statement: string | null;
  readonly grantId: string | null;
  readonly code: string;
  readonly message: string;
}
