import { type ErrorCode, SentinelError } from '../core/errors.js';
import type { GrantEntry } from '../core/scan/types.js';

/**
 * What the scan needs from AWS, in the project's own terms. The AWS adapter implements it with the SDK; nothing
 * here knows about clients, commands or credentials.
 */

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly organizationId: string | null;
}

export interface KeyDescription {
  readonly keyId: string;
  readonly keyArn: string;
  readonly keyManager: string;
  readonly keyState: string;
  readonly multiRegion: boolean;
  readonly multiRegionKeyType: string | null;
}

/** A grant as ListGrants shows it: the same shape the core judges. */
export type GrantListEntry = GrantEntry;

/** The program's code for each way an AWS call fails. */
const CODE_OF: Readonly<Record<AwsErrorCode, ErrorCode>> = {
  NoCredentials: 'no-credentials',
  AssumeRoleDenied: 'aws-access-denied',
  AccessDenied: 'aws-access-denied',
  RegionNotEnabled: 'environment',
  NotFound: 'aws-not-found',
  Throttled: 'aws-throttled',
  Timeout: 'aws-unreachable',
  Unreachable: 'aws-unreachable',
  MalformedPolicy: 'aws-refused',
  LimitExceeded: 'aws-refused',
  AwsError: 'aws-error',
};

/**
 * A failed AWS call, classified: a SentinelError whose `reason` says how the call failed (stable, documented as the
 * scan's error codes), and `awsCode` what AWS said.
 */
export class AwsCallError extends SentinelError {
  readonly reason: AwsErrorCode;
  readonly awsCode: string;
  /** The URL the failed request went to, when the SDK got that far. */
  readonly endpoint: string | undefined;

  constructor(
    reason: AwsErrorCode,
    awsCode: string,
    message: string,
    options: { cause?: unknown; endpoint?: string | undefined } = {},
  ) {
    super(CODE_OF[reason], message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'AwsCallError';
    this.reason = reason;
    this.awsCode = awsCode;
    this.endpoint = options.endpoint;
  }

  override detail(): string {
    return `${this.awsCode}: ${this.message}`;
  }
}

export type AwsErrorCode =
  | 'NoCredentials'
  | 'AssumeRoleDenied'
  | 'AccessDenied'
  | 'RegionNotEnabled'
  | 'NotFound'
  | 'Throttled'
  | 'Timeout'
  | 'Unreachable'
  | 'MalformedPolicy'
  | 'LimitExceeded'
  | 'AwsError';

export interface AccountTarget {
  readonly accountId: string;
  /** The role to assume; undefined to use the base credentials (the credentials' own account). */
  readonly roleArn: string | undefined;
  readonly externalId: string | undefined;
}

export interface AwsPort {
  callerIdentity(): Promise<CallerIdentity>;
  organizationAccounts(): Promise<OrganizationAccount[]>;
  /** Opens a session in an account: assumes its role (once; refreshed before expiry) or uses the base credentials. */
  openAccount(target: AccountTarget): Promise<AccountSession>;
  /** HTTP requests sent so far, retries included. */
  apiCalls(): number;
  /** Of those, the ones AWS throttled (each was retried, or its call failed as Throttled). */
  throttledCalls(): number;
}

export interface AccountSession {
  enabledRegions(): Promise<string[]>;
  region(name: string, signal: AbortSignal): RegionSession;
  /** Lets go of what the session holds (its clients); the gateway's shared connections stay. */
  close(): void;
}

export interface RegionSession {
  /**
   * Resolves when the account-region's request quotas let the reads of one more key (DescribeKey, GetKeyPolicy,
   * ListGrants) start about now: keys are started at the pace of the slowest of them.
   */
  keyTurn(): Promise<void>;
  listKeyIds(): Promise<string[]>;
  /** Alias names by target key ID, from one paginated ListAliases. */
  aliasesByKey(): Promise<Map<string, string[]>>;
  describeKey(keyId: string): Promise<KeyDescription>;
  getKeyPolicy(keyId: string): Promise<string>;
  listGrants(keyId: string): Promise<GrantListEntry[]>;
  /** Writes the key's `default` policy, with KMS's lockout safety check on (never bypassed). */
  putKeyPolicy(keyId: string, policy: string): Promise<void>;
  revokeGrant(keyId: string, grantId: string): Promise<void>;
  listResourceTags(keyId: string): Promise<Record<string, string>>;
  /** Lets go of the region's client. */
  close(): void;
}
