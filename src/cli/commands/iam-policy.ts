import { auditRolePolicy, scannerPolicy } from '../../adapters/aws/permissions.js';
import { configFor } from '../context.js';
import type { Io } from '../io.js';
import { parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const iamPolicyHelp = `Usage: kms-sentinel iam-policy [--remediation] [--scanner] [--config FILE]

Prints the IAM policy JSON the configured features need: by default the audit role's (assumed in every scanned
account); with --scanner the scanner's own (its credentials: assuming the audit role across the organization,
listing the organization, and reading the keys of its own account). --remediation adds kms:PutKeyPolicy and
kms:RevokeGrant (included anyway when remediation.enabled). ec2:DescribeRegions is included with regions: all, and
organizations:ListAccounts with organization.discover or trustMembers.
`;

export async function iamPolicyCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    remediation: { type: 'boolean', default: false },
    scanner: { type: 'boolean', default: false },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(iamPolicyHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`iam-policy takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const config = await configFor(values.config, io);
  const features = {
    remediation: values.remediation || config.remediation.enabled,
    allRegions: config.regions === 'all',
    organization: config.organization.discover || config.organization.trustMembers,
    roleName: config.roleName,
    roleArns: (config.accounts ?? []).flatMap((a) => (a.roleArn === undefined ? [] : [a.roleArn])),
  };
  io.stdout(`${JSON.stringify(values.scanner ? scannerPolicy(features) : auditRolePolicy(features), null, 2)}\n`);
  return 0;
}
