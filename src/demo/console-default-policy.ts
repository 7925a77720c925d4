/**
 * The key policy the AWS console writes for a new key ("default key policy" in the KMS developer guide): the key's
 * own account may do everything, the key administrators manage the key, the key users use it and may let AWS
 * resources use it through grants. Built here once for the demo, the tests and the bench.
 */

/** The console's actions for key administrators. */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** The console's actions for key users (a symmetric encryption key). */
export const KEY_USER_ACTIONS: readonly string[] = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
];

/** The console's actions for key users on grants. */
export const KEY_USER_GRANT_ACTIONS: readonly string[] = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];

/** One principal ARN (written as a string, as the console does) or several (an array). */
export type Principals = string | readonly string[];

export interface ConsoleDefaultOptions {
  /** The key administrators (statement "Allow access for Key Administrators"). */
  readonly admins: Principals;
  /** The key users (statements "Allow use of the key" and "Allow attachment of persistent resources"). */
  readonly users: Principals;
  /**
   * Whether the grants statement carries the console's condition kms:GrantIsForAWSResource (default true); the
   * KMS-006 rule page's example leaves it out.
   */
  readonly grantsForAwsResourcesOnly?: boolean;
}

const principal = (principals: Principals) => ({ AWS: typeof principals === 'string' ? principals : [...principals] });

/** The first statement: the key's own account may do everything (all a key created through the API has). */
export function ownerStatement(account: string): object {
  return {
    Sid: 'Enable IAM User Permissions',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
}

export function keyAdminStatement(admins: Principals): object {
  return {
    Sid: 'Allow access for Key Administrators',
    Effect: 'Allow',
    Principal: principal(admins),
    Action: [...KEY_ADMIN_ACTIONS],
    Resource: '*',
  };
}

/** The four statements of the console default key policy, in the console's order. */
export function consoleDefaultStatements(account: string, options: ConsoleDefaultOptions): object[] {
  const grants = {
    Sid: 'Allow attachment of persistent resources',
    Effect: 'Allow',
    Principal: principal(options.users),
    Action: [...KEY_USER_GRANT_ACTIONS],
    Resource: '*',
  };
  return [
    ownerStatement(account),
    keyAdminStatement(options.admins),
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: principal(options.users),
      Action: [...KEY_USER_ACTIONS],
      Resource: '*',
    },
    options.grantsForAwsResourcesOnly === false
      ? grants
      : { ...grants, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
  ];
}

/** The console default key policy of a key in `account`, as a document (`id` is its Id, which the console sets). */
export function consoleDefaultPolicy(
  account: string,
  options: ConsoleDefaultOptions & { readonly id?: string },
): { Version: string; Id?: string; Statement: object[] } {
  const statements = consoleDefaultStatements(account, options);
  return options.id === undefined
    ? { Version: '2012-10-17', Statement: statements }
    : { Version: '2012-10-17', Id: options.id, Statement: statements };
}
