/**
 * Every AWS call the adapter makes, with the IAM action it needs, whose credentials make it, and when. The
 * `iam-policy` command prints policies built from this; tests hold it to the calls in the adapter's code
 * (test/cli/iam-policy.test.ts) and the templates in deploy/ to the policies it builds (test/deploy), so the four
 * cannot drift apart. "audit" calls are made with an account's session: the audit role assumed there, or the
 * scanner's own credentials in its own account, which is scanned without assuming a role.
 */
export const AWS_CALLS = [
  // The scanner's own credentials.
  { call: 'GetCallerIdentityCommand', action: 'sts:GetCallerIdentity', who: 'scanner', when: 'always' },
  { call: 'AssumeRoleCommand', action: 'sts:AssumeRole', who: 'scanner', when: 'always' },
  { call: 'paginateListAccounts', action: 'organizations:ListAccounts', who: 'scanner', when: 'organization' },
  // The audit role in each account (and the scanner's credentials in their own account).
  { call: 'DescribeRegionsCommand', action: 'ec2:DescribeRegions', who: 'audit', when: 'all-regions' },
  { call: 'paginateListKeys', action: 'kms:ListKeys', who: 'audit', when: 'always' },
  { call: 'paginateListAliases', action: 'kms:ListAliases', who: 'audit', when: 'always' },
  { call: 'DescribeKeyCommand', action: 'kms:DescribeKey', who: 'audit', when: 'always' },
  { call: 'GetKeyPolicyCommand', action: 'kms:GetKeyPolicy', who: 'audit', when: 'always' },
  { call: 'paginateListGrants', action: 'kms:ListGrants', who: 'audit', when: 'always' },
  { call: 'ListResourceTagsCommand', action: 'kms:ListResourceTags', who: 'audit', when: 'always' },
  { call: 'PutKeyPolicyCommand', action: 'kms:PutKeyPolicy', who: 'audit', when: 'remediation' },
  { call: 'RevokeGrantCommand', action: 'kms:RevokeGrant', who: 'audit', when: 'remediation' },
  // The scanner's credentials on the events queue (events.queueUrl), and its dead-letter queue's depth.
  { call: 'ReceiveMessageCommand', action: 'sqs:ReceiveMessage', who: 'scanner', when: 'events' },
  { call: 'DeleteMessageBatchCommand', action: 'sqs:DeleteMessage', who: 'scanner', when: 'events' },
  { call: 'ChangeMessageVisibilityCommand', action: 'sqs:ChangeMessageVisibility', who: 'scanner', when: 'events' },
  { call: 'GetQueueAttributesCommand', action: 'sqs:GetQueueAttributes', who: 'scanner', when: 'events' },
  { call: 'GetQueueUrlCommand', action: 'sqs:GetQueueUrl', who: 'scanner', when: 'events' },
  // The scanner's credentials push findings to their own account's Security Hub (securityHub.enabled).
  {
    call: 'BatchImportFindingsCommand',
    action: 'securityhub:BatchImportFindings',
    who: 'scanner',
    when: 'security-hub',
  },
] as const;

export interface PolicyFeatures {
  readonly remediation: boolean;
  /** `regions: all`: the enabled regions are listed with ec2:DescribeRegions. */
  readonly allRegions: boolean;
  /** organization.discover or trustMembers. */
  readonly organization: boolean;
  readonly roleName: string;
  /** The AWS partition the scanner runs in (aws, aws-us-gov, aws-cn): the audit role's ARN is in it. */
  readonly partition: string;
  /** Roles named per account (accounts[].roleArn). */
  readonly roleArns: readonly string[];
  /** With events: the events queue's ARN (from events.queueUrl). */
  readonly eventsQueueArn?: string | undefined;
  /** securityHub.enabled: the scanner pushes findings to Security Hub. */
  readonly securityHub?: boolean;
}

type When = (typeof AWS_CALLS)[number]['when'];

const needed = (when: When, f: PolicyFeatures) =>
  when === 'always' ||
  (when === 'remediation' && f.remediation) ||
  (when === 'all-regions' && f.allRegions) ||
  (when === 'organization' && f.organization) ||
  (when === 'events' && f.eventsQueueArn !== undefined) ||
  (when === 'security-hub' && f.securityHub === true);

/** sts:GetCallerIdentity needs no permission: IAM always allows it. */
const NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

function actionsOf(
  who: 'audit' | 'scanner',
  f: PolicyFeatures,
  filter: (when: When) => boolean = () => true,
): string[] {
  return AWS_CALLS.filter(
    (c) => c.who === who && needed(c.when, f) && filter(c.when) && !NO_PERMISSION.has(c.action),
  ).map((c) => c.action);
}

/** The audit role's policy: what it needs in every account it is assumed in. */
export function auditRolePolicy(f: PolicyFeatures): object {
  const read = actionsOf('audit', f, (w) => w !== 'remediation' && w !== 'events' && w !== 'security-hub');
  const write = actionsOf('audit', f, (w) => w === 'remediation');
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'KmsSentinelRead', Effect: 'Allow', Action: read, Resource: '*' },
      ...(write.length > 0 ? [{ Sid: 'KmsSentinelRemediate', Effect: 'Allow', Action: write, Resource: '*' }] : []),
    ],
  };
}

/**
 * The scanner's own policy: assuming the audit role across the organization, listing it, and reading the keys of
 * its own account, which it scans with its own credentials; with Security Hub, pushing findings to its own account's.
 */
export function scannerPolicy(f: PolicyFeatures): object {
  const roles = [`arn:${f.partition}:iam::*:role/${f.roleName}`, ...f.roleArns];
  const queue = f.eventsQueueArn;
  // The dead-letter queue is found from the queue's redrive policy: its name is not known here, its account is.
  const sameAccountQueues = queue?.split(':').slice(0, 5).concat('*').join(':');
  const events =
    queue === undefined
      ? []
      : [
          {
            Sid: 'ReadTheEventsQueue',
            Effect: 'Allow',
            Action: actionsOf('scanner', f, (w) => w === 'events'),
            Resource: queue,
          },
          {
            Sid: 'CountTheDeadLetters',
            Effect: 'Allow',
            Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
            Resource: sameAccountQueues,
          },
        ];
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AssumeTheAuditRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [...new Set(roles)] },
      ...(f.organization
        ? [{ Sid: 'ListTheOrganization', Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' }]
        : []),
      ...(auditRolePolicy(f) as { Statement: object[] }).Statement.map((s) => ({
        ...s,
        Sid: `${(s as { Sid: string }).Sid}InThisAccount`,
      })),
      ...events,
      ...(f.securityHub === true
        ? [
            {
              Sid: 'PushToSecurityHub',
              Effect: 'Allow',
              Action: actionsOf('scanner', f, (w) => w === 'security-hub'),
              Resource: '*',
            },
          ]
        : []),
    ],
  };
}
