import type { AwsCallError, CallerIdentity } from '../aws-port.js';
import type { AwsCheckOptions } from './aws-checks.js';
import { type DoctorCheck, failed } from './check.js';

// What each failed AWS check says went wrong, and what to do about it.

export function regionWhy(e: AwsCallError, options: AwsCheckOptions): string {
  switch (e.reason) {
    case 'RegionNotEnabled':
      return `the region is not enabled for this account (${e.awsCode}: ${e.message})`;
    case 'AccessDenied':
      return `access denied (${e.message})`;
    default:
      return whyFailed(e, options);
  }
}

export function regionFix(regions: readonly string[], e: AwsCallError, accountId: string, principal: string): string {
  const list = regions.join(', ');
  const them = regions.length === 1 ? 'it' : 'them';
  switch (e.reason) {
    case 'RegionNotEnabled':
      return `enable ${list} for account ${accountId} (AWS account settings, AWS Regions), or leave ${them} out of regions:`;
    case 'AccessDenied':
      return `allow kms:ListKeys to ${principal} in ${list}; a service control policy or a permission boundary may deny it`;
    case 'Timeout':
      return `check the network path to KMS in ${list}, or give doctor more time (--timeout)`;
    case 'Unreachable':
      return 'check the network, proxies, and AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL if set';
    case 'Throttled':
      return `KMS throttled the call in ${list}: run doctor again later, or lower the other callers' rate`;
    default:
      return `check the AWS settings for ${list} (${e.awsCode})`;
  }
}

export function credentialsFailure(e: AwsCallError): DoctorCheck {
  const detail = `sts:GetCallerIdentity failed: ${e.message}`;
  const title = 'AWS credentials';
  switch (e.reason) {
    case 'Unreachable':
      return failed(
        'aws.credentials',
        title,
        detail,
        'check the network, proxies, and AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL if set',
      );
    case 'Timeout':
      return failed(
        'aws.credentials',
        title,
        `AWS STS did not answer (${e.message})`,
        'check the network, or give doctor more time (--timeout)',
      );
    case 'NoCredentials':
    case 'AccessDenied':
    case 'RegionNotEnabled':
      return failed(
        'aws.credentials',
        title,
        detail,
        'set AWS credentials the usual way (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, an instance role)',
      );
    default:
      return failed(
        'aws.credentials',
        title,
        detail,
        'check the AWS settings in the environment (AWS_REGION, AWS_ENDPOINT_URL*, AWS_USE_FIPS_ENDPOINT, the profile)',
      );
  }
}

export function organizationFailure(e: AwsCallError): DoctorCheck {
  return failed(
    'aws.organizations',
    'AWS Organizations',
    `organizations:ListAccounts failed: ${e.message}`,
    e.reason === 'AccessDenied'
      ? "use credentials of the organization's management account (or of a delegated administrator) allowed organizations:ListAccounts, or turn off organization.discover and organization.trustMembers"
      : e.reason === 'Timeout'
        ? 'check the network, or give doctor more time (--timeout)'
        : 'check the network, proxies, and AWS_ENDPOINT_URL_ORGANIZATIONS / AWS_ENDPOINT_URL if set',
  );
}

export function roleFailure(
  check: { id: string; title: string },
  accountId: string,
  roleArn: string | undefined,
  identity: CallerIdentity,
  externalId: string | undefined,
  e: AwsCallError,
  options: AwsCheckOptions,
): DoctorCheck {
  const what = roleArn === undefined ? `cannot use account ${accountId}` : `cannot assume ${roleArn}`;
  const detail = `${what}: ${whyFailed(e, options)}`;
  switch (e.reason) {
    case 'AccessDenied':
    case 'AssumeRoleDenied':
      return failed(
        check.id,
        check.title,
        detail,
        `check that the role exists in account ${accountId}, that its trust policy lets ${identity.arn} assume it, and ${
          externalId === undefined
            ? 'that it expects no external ID (set externalId: if it does)'
            : "that its sts:ExternalId condition matches the config's externalId:"
        }`,
      );
    case 'Timeout':
      return failed(
        check.id,
        check.title,
        detail,
        'check the network path to STS, or give doctor more time (--timeout)',
      );
    case 'Unreachable':
      return failed(
        check.id,
        check.title,
        detail,
        'check the network, proxies, and AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL if set',
      );
    default:
      return failed(check.id, check.title, detail, `check the role and the AWS settings (${e.awsCode})`);
  }
}

/** What went wrong, in words: a timeout says how long it waited, anything else what AWS said. */
export function whyFailed(e: AwsCallError, options: AwsCheckOptions): string {
  return e.reason === 'Timeout' ? `no answer within ${options.timeoutMs / 1000} s` : e.message;
}
