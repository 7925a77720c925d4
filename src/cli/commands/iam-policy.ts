import { auditRolePolicy, scannerPolicy } from '../../compose.js';
import { queueArn } from '../../core/events/queue-url.js';
import { configFor } from '../context.js';
import type { Io } from '../io.js';
import { parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const iamPolicyHelp = `Usage: kms-sentinel iam-policy [--remediation] [--scanner] [--partition NAME] [--config FILE]

Prints the IAM policy JSON the configured features need: by default the audit role's (assumed in every scanned
account); with --scanner the scanner's own (its credentials: assuming the audit role across the organization,
listing the organization, and reading the keys of its own account). --remediation adds kms:PutKeyPolicy and
kms:RevokeGrant (included anyway when remediation.enabled). ec2:DescribeRegions is included with regions: all, and
organizations:ListAccounts with organization.discover or trustMembers, and, with events:, sqs:ReceiveMessage,
sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on the events queue (in the scanner's
policy: its credentials read the queue), with sqs:GetQueueUrl to find its dead-letter queue, and, with
securityHub.enabled, securityhub:BatchImportFindings (in the scanner's policy: its credentials push the findings to
their own account's Security Hub). The read actions include
kms:ListResourceTags: a scan reads the tags of a key open beyond its account, to name the CloudFormation stack that
owns it, and a remediation's plan, even a dry run with remediation off, reads them to tell whether the key is managed
as code. --partition (aws, aws-us-gov, aws-cn, ...) is the partition of the audit role's ARN in the
scanner's policy; by default the one the configured accounts[].roleArn share, else aws.
`;

export async function iamPolicyCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    remediation: { type: 'boolean', default: false },
    scanner: { type: 'boolean', default: false },
    partition: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(iamPolicyHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`iam-policy takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  if (values.partition !== undefined && !/^aws(-[a-z]+)*$/.test(values.partition)) {
    throw usageError(
      `--partition ${JSON.stringify(values.partition)} is not an AWS partition (aws, aws-us-gov, aws-cn, ...)`,
    );
  }
  const config = await configFor(values.config, io);
  const roleArns = (config.accounts ?? []).flatMap((a) => (a.roleArn === undefined ? [] : [a.roleArn]));
  const partitions = new Set(roleArns.map((arn) => arn.split(':')[1]));
  const partition = values.partition ?? (partitions.size === 1 ? ([...partitions][0] as string) : 'aws');
  const features = {
    remediation: values.remediation || config.remediation.enabled,
    allRegions: config.regions === 'all',
    organization: config.organization.discover || config.organization.trustMembers,
    roleName: config.roleName,
    roleArns,
    partition,
    eventsQueueArn: config.events === undefined ? undefined : queueArn(config.events.queueUrl, partition),
    securityHub: config.securityHub.enabled,
  };
  io.stdout(`${JSON.stringify(values.scanner ? scannerPolicy(features) : auditRolePolicy(features), null, 2)}\n`);
  return 0;
}
