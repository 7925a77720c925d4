import type { AwsCallError } from './aws-port.js';

/**
 * Every code a scan reports under `errors`, in one place. Each is documented in docs/commands.md; front ends may branch on
 * them, never on the wording of a message.
 */
export type ScanErrorCode =
  // an account
  | 'AssumeRoleDenied'
  | 'OrganizationsUnavailable'
  // a region
  | 'RegionNotEnabled'
  | 'RegionAccessDenied'
  | 'AliasesUnavailable'
  // a key
  | 'KeyPolicyUnreadable'
  | 'GrantsUnreadable'
  | 'KeyVanished'
  | 'AnalysisError'
  // an account-region or a key: a newer reading was recorded while this scan ran
  | 'Superseded'
  // any scope: what the AWS adapter classified and nothing above says better
  | 'AccessDenied'
  | 'NoCredentials'
  | 'NotFound'
  | 'Throttled'
  | 'Timeout'
  | 'Unreachable'
  | 'AwsError';

export interface ScanError {
  readonly accountId: string;
  readonly region: string | null;
  readonly keyId: string | null;
  readonly code: ScanErrorCode;
  readonly message: string;
  /** For key errors: the key's ARN, so that the record can keep an item about the key. */
  readonly keyArn?: string;
}

/** A failed AWS call's code as a scan reports it: the codes only writes can meet count as AwsError. */
function scanCode(code: AwsCallError['reason']): ScanErrorCode {
  return code === 'MalformedPolicy' || code === 'LimitExceeded' ? 'AwsError' : code;
}

/** An unreadable key can hide any access: the message says so and what to do. */
export const UNREADABLE_ADVICE = 'an unreadable key can hide any access: add the scanning role to the key policy';

export function assumeRoleError(accountId: string, roleArn: string | undefined, scanner: string, e: AwsCallError) {
  const code: ScanErrorCode =
    e.reason === 'AccessDenied' || e.reason === 'AssumeRoleDenied' ? 'AssumeRoleDenied' : scanCode(e.reason);
  return accountError(
    accountId,
    code,
    `cannot assume ${roleArn}: ${e.message}. Check that the role exists, trusts ${scanner} and expects this external ID.`,
  );
}

export function organizationError(accountId: string, e: AwsCallError): ScanError {
  return accountError(accountId, 'OrganizationsUnavailable', `cannot list the organization's accounts: ${e.message}`);
}

export function regionsListError(accountId: string, e: AwsCallError): ScanError {
  return accountError(
    accountId,
    scanCode(e.reason),
    `cannot list the account's enabled regions (ec2:DescribeRegions): ${e.message}`,
  );
}

export function regionError(accountId: string, region: string, e: AwsCallError): ScanError {
  const at = { accountId, region, keyId: null };
  switch (e.reason) {
    case 'RegionNotEnabled':
      return {
        ...at,
        code: e.reason,
        message: `region ${region} is not enabled for this account (${e.awsCode}); enable it or leave it out of regions:`,
      };
    case 'AccessDenied':
      return {
        ...at,
        code: 'RegionAccessDenied',
        message: `the scanning role may not list keys in ${region} (${e.message}); an SCP or permission boundary may deny it`,
      };
    case 'Timeout':
      return {
        ...at,
        code: e.reason,
        message: `region ${region} did not answer in time; its keys were not all read (${e.message})`,
      };
    case 'Unreachable':
      return {
        ...at,
        code: e.reason,
        message: `KMS in ${region} could not be reached; its keys were not all read (${e.message})`,
      };
    default:
      return { ...at, code: scanCode(e.reason), message: `cannot scan ${region}: ${e.message}` };
  }
}

export function aliasesError(accountId: string, region: string, e: AwsCallError): ScanError {
  return {
    accountId,
    region,
    keyId: null,
    code: 'AliasesUnavailable',
    message: `cannot list aliases (kms:ListAliases): ${e.message}`,
  };
}

export interface KeyAt {
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly keyArn: string;
}

export function policyUnreadableError(key: KeyAt, operation: 'GetKeyPolicy' | 'DescribeKey', awsMessage: string) {
  const what =
    operation === 'GetKeyPolicy'
      ? `the key policy does not let the scanner read it (kms:GetKeyPolicy: ${awsMessage})`
      : `the key policy shuts the scanner out (kms:DescribeKey: ${awsMessage})`;
  return keyError(key, 'KeyPolicyUnreadable', `${what}; ${UNREADABLE_ADVICE}`);
}

export function grantsUnreadableError(key: KeyAt, awsMessage: string): ScanError {
  return keyError(
    key,
    'GrantsUnreadable',
    `the scanner may not list this key's grants (kms:ListGrants: ${awsMessage})`,
  );
}

export function keyVanishedError(key: KeyAt, awsMessage: string): ScanError {
  return keyError(key, 'KeyVanished', `the key was deleted while it was being scanned (${awsMessage})`);
}

export function keyReadError(key: KeyAt, e: AwsCallError): ScanError {
  return keyError(key, scanCode(e.reason), `cannot read the key: ${e.message}`);
}

export function analysisError(key: KeyAt, message: string): ScanError {
  return keyError(
    key,
    'AnalysisError',
    `the engine failed on this key (${message}); it is kept open as an analysis-error item and judged again next time; please report it as a bug`,
  );
}

function accountError(accountId: string, code: ScanErrorCode, message: string): ScanError {
  return { accountId, region: null, keyId: null, code, message };
}

function keyError(key: KeyAt, code: ScanErrorCode, message: string): ScanError {
  return { accountId: key.accountId, region: key.region, keyId: key.keyId, code, message, keyArn: key.keyArn };
}
