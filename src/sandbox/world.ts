/** The description of the AWS estate a sandbox pretends to be. Plain data: tests, the demo and the benchmark build it. */

export type KmsOperation =
  | 'ListKeys'
  | 'DescribeKey'
  | 'GetKeyPolicy'
  | 'ListGrants'
  | 'ListAliases'
  | 'PutKeyPolicy'
  | 'RevokeGrant'
  | 'ListResourceTags';

export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';

export type KeyState =
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingImport'
  | 'Unavailable'
  | 'Creating'
  | 'PendingReplicaDeletion'
  | 'Updating';

export interface World {
  /** Account of the base credentials. */
  callerAccount: string;
  /** Default `arn:aws:iam::<callerAccount>:user/sandbox`. */
  callerArn?: string;
  /** Access key ID of the base credentials (any secret is accepted). Default `AKIAIOSFODNN7SANDBOX`. */
  callerAccessKeyId?: string;
  organization?: {
    id: string;
    managementAccount: string;
    accounts: { id: string; name: string; status?: AccountStatus; email?: string }[];
  };
  accounts: WorldAccount[];
  /** Added to every response. */
  latencyMs?: number;
  /**
   * Page size of list calls whose request gives no Limit/MaxResults.
   * Default: what AWS uses (ListKeys 100, ListAliases/ListGrants 50, ListAccounts 20).
   */
  pageSize?: number;
  /** Caps every page, whatever the request's Limit, to force pagination. */
  maxPageSize?: number;
  /** Requests per second per account+region+operation (token bucket, burst of one second); over it: ThrottlingException. */
  quotas?: Partial<Record<KmsOperation, number>>;
  /** Lifetime of AssumeRole credentials (default 3600). 0 hands out credentials that are already expired. */
  credentialTtlSeconds?: number;
  /** Principal ARNs that do not exist: PutKeyPolicy refuses a policy naming one (MalformedPolicyDocumentException). */
  nonexistentPrincipals?: string[];
}

export interface WorldAccount {
  id: string;
  name?: string;
  /** Roles any caller may assume; a role not listed answers AccessDenied. */
  roles?: { name: string; externalId?: string }[];
  /** Enabled regions. A region named nowhere for the account behaves as enabled and empty. */
  regions: WorldRegion[];
  /** Opt-in regions not enabled: KMS answers UnrecognizedClientException; DescribeRegions(AllRegions) shows not-opted-in. */
  disabledRegions?: string[];
  /** Every KMS call answers AccessDeniedException (an SCP denying the region). */
  deniedRegions?: string[];
  /** KMS never answers. */
  hangingRegions?: string[];
}

export interface WorldRegion {
  name: string;
  keys: WorldKey[];
}

export interface WorldKey {
  /** UUID (or `mrk-...` for multi-region keys); ARN = arn:aws:kms:<region>:<account>:key/<keyId>. */
  keyId: string;
  /** Default CUSTOMER. */
  keyManager?: 'CUSTOMER' | 'AWS';
  /** Default Enabled. */
  keyState?: KeyState;
  multiRegion?: boolean;
  /** Replicas and the primary share a keyId across the account's regions. Default PRIMARY when multiRegion. */
  multiRegionKeyType?: 'PRIMARY' | 'REPLICA';
  description?: string;
  /** Default SYMMETRIC_DEFAULT. */
  keySpec?: string;
  /** Default ENCRYPT_DECRYPT. */
  keyUsage?: string;
  /** ISO 8601; default 2024-01-01T00:00:00Z. */
  creationDate?: string;
  /** The "default" key policy, returned verbatim by GetKeyPolicy. */
  policy: string;
  /** false: GetKeyPolicy answers AccessDeniedException (a policy that lets the auditor describe the key, no more). */
  policyReadable?: boolean;
  /** false: ListGrants answers AccessDeniedException. */
  grantsReadable?: boolean;
  /** true: the key policy shuts the caller out entirely: DescribeKey, GetKeyPolicy and ListGrants are denied. */
  lockedOut?: boolean;
  /** Listed by ListKeys, but every call naming the key answers NotFoundException (deleted meanwhile). */
  vanishes?: boolean;
  grants?: WorldGrant[];
  /** "alias/name" (a name without the `alias/` prefix gets it). */
  aliases?: string[];
  /** Resource tags, as ListResourceTags shows them. */
  tags?: Record<string, string>;
}

export interface WorldGrant {
  grantId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** Account ID; default the key's account. Reported as arn:aws:iam::<account>:root. */
  issuingAccount?: string;
  operations: string[];
  constraints?: {
    EncryptionContextSubset?: Record<string, string>;
    EncryptionContextEquals?: Record<string, string>;
  };
  /** ISO 8601; default 2024-01-01T00:00:00Z. */
  creationDate?: string;
}
