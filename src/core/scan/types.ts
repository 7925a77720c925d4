import type { Severity } from '../policy/actions.js';
import type { PolicyFindingKind } from '../policy/grantees.js';

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
  /**
   * The CloudFormation stack that owns the key (its `aws:cloudformation:stack-name` tag), when known. The tags are
   * read only for a key that lets anyone outside its account in, and a read that fails leaves it unknown.
   */
  readonly stack?: string | null;
}

export interface GrantEntry {
  readonly grantId: string;
  readonly name: string | null;
  readonly granteePrincipal: string;
  readonly retiringPrincipal: string | null;
  readonly issuingAccount: string | null;
  readonly operations: readonly string[];
}

/** Where access comes from: a key policy statement, a grant, or the key as a whole (it could not be judged). */
export type FindingSource = 'policy' | 'grant' | 'key';

/**
 * What a finding is about, for machines: stable, documented, and the only thing code branches on (`reason` is the
 * human sentence). `unreadable` and `analysis-error` are items about a key that could not be read or judged.
 */
export type FindingKind =
  | PolicyFindingKind
  | 'grantee'
  | 'retiring-grantee'
  | 'unparseable-policy'
  | 'unreadable'
  | 'analysis-error';

/** One principal outside the trust zone that can use one key, through one statement or one grant. */
export interface KeyFinding {
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly keyArn: string;
  readonly aliases: readonly string[];
  readonly keyState: string;
  readonly kind: FindingKind;
  readonly source: FindingSource;
  readonly statement: string | null;
  readonly grantId: string | null;
  readonly principal: string;
  readonly account: string | null;
  readonly actions: readonly string[];
  readonly severity: Severity;
  readonly public: boolean;
  readonly reason: string;
  /** Set only for unparseable policies, unreadable keys and analysis errors: what went wrong. */
  readonly detail?: string;
  /** The CloudFormation stack that owns the key, when known: the fix belongs in its template. */
  readonly stack?: string | null;
}

/** Exactly a KeyFinding's fields of a value that may hold more (a stored finding's history, say). */
export function keyFindingOf(f: KeyFinding): KeyFinding {
  return {
    accountId: f.accountId,
    region: f.region,
    keyId: f.keyId,
    keyArn: f.keyArn,
    aliases: f.aliases,
    keyState: f.keyState,
    kind: f.kind,
    source: f.source,
    statement: f.statement,
    grantId: f.grantId,
    principal: f.principal,
    account: f.account,
    actions: f.actions,
    severity: f.severity,
    public: f.public,
    reason: f.reason,
    ...(f.detail === undefined ? {} : { detail: f.detail }),
    ...stackField(f.stack),
  };
}

/** `{ stack }` when the stack is known, else nothing: a key without one reads as it always did. */
export function stackField(stack: string | null | undefined): { readonly stack?: string } {
  return typeof stack === 'string' ? { stack } : {};
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
