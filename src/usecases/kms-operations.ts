/**
 * The KMS operations the scanner paces and lets the config set a rate for (scan.rateLimits); the one list that
 * the config schema and the AWS adapter's pacer both derive from.
 */
export const KMS_OPERATIONS = [
  'ListKeys',
  'ListAliases',
  'DescribeKey',
  'GetKeyPolicy',
  'ListGrants',
  'PutKeyPolicy',
  'RevokeGrant',
  'ListResourceTags',
] as const;

export type KmsOperation = (typeof KMS_OPERATIONS)[number];
