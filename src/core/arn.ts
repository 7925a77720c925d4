/** Facts about AWS identifiers. Pure string work: no lookups. */

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_FIELD = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
/** `arn:partition:iam|sts::account:resource`; the account is field 5 whatever the partition. */
const PRINCIPAL_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):(iam|sts)::(\d{12}):(.+)$/;
/**
 * Unique IDs (AIDA user, AROA role, ...) are what IAM shows in a policy once the principal they named is deleted.
 * An assumed-role unique ID may carry a session suffix (`AROA...:session`).
 */
const UNIQUE_ID = /^(AIDA|AROA|AGPA|AIPA|ANPA|ANVA|ASCA|ACCA|APKA|AKIA|ASIA)[A-Z0-9]{4,}(:.*)?$/;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

export function isOrganizationId(value: string): boolean {
  return ORG_ID.test(value);
}

export function isUniqueId(value: string): boolean {
  return UNIQUE_ID.test(value);
}

export interface PrincipalArn {
  readonly partition: string;
  readonly service: 'iam' | 'sts';
  readonly account: string;
  /** The part after the account: `root`, `role/Name`, `assumed-role/Name/session`, ... */
  readonly resource: string;
}

export function parsePrincipalArn(value: string): PrincipalArn | undefined {
  const match = PRINCIPAL_ARN.exec(value);
  if (match === null) return undefined;
  const [, partition, service, account, resource] = match as unknown as [string, string, 'iam' | 'sts', string, string];
  return { partition, service, account, resource };
}

/** The account an ARN pattern's field 5 names, or undefined when field 5 is not a plain account ID. */
export function accountField(arn: string): string | undefined {
  return ACCOUNT_FIELD.exec(arn)?.[1];
}

export function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}
