import { globMatches } from '../glob.js';

/**
 * KMS actions that another account can actually use on a key (KMS developer guide, "Allowing users in other
 * accounts to use a KMS key"). Any other permission granted to a foreign principal has no effect.
 */
export const CROSS_ACCOUNT_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DeriveSharedSecret',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateMac',
  'kms:GetKeyRotationStatus',
  'kms:GetPublicKey',
  'kms:ListGrants',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:Sign',
  'kms:Verify',
  'kms:VerifyMac',
] as const;

export type CrossAccountAction = (typeof CROSS_ACCOUNT_ACTIONS)[number];

/** Actions that only reveal metadata about the key. */
const METADATA_ACTIONS: ReadonlySet<string> = new Set([
  'kms:DescribeKey',
  'kms:GetPublicKey',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
]);
/** Actions that can neither use the key nor reveal anything about it: they only remove grants. */
const GRANT_REMOVAL_ACTIONS: ReadonlySet<string> = new Set(['kms:RetireGrant', 'kms:RevokeGrant']);

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** IAM action patterns are case-insensitive globs. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatches(pattern, action, true);
}

const coveredCache = new Map<string, CrossAccountAction[]>();

/**
 * The cross-account actions a statement covers. With NotAction the statement covers every action the patterns
 * do not match. Policies repeat the same action lists over and over, so results are cached by list.
 */
export function coveredActions(patterns: readonly string[], negated: boolean): readonly CrossAccountAction[] {
  // JSON keeps the list and the flag apart: no list of one statement can spell the key of another.
  const key = JSON.stringify([negated, patterns]);
  let covered = coveredCache.get(key);
  if (covered === undefined) {
    covered = CROSS_ACCOUNT_ACTIONS.filter((action) => patterns.some((p) => actionMatches(p, action)) !== negated);
    if (coveredCache.size >= 10_000) coveredCache.clear();
    coveredCache.set(key, covered);
  }
  return covered;
}

/**
 * The cross-account actions a key policy statement can give: "The kms:RetireGrant permission is not effective in a key
 * policy" (KMS developer guide, "Retiring and revoking grants"); a grant's retiring principal retires it without it.
 */
export function keyPolicyActions(patterns: readonly string[], negated: boolean): readonly CrossAccountAction[] {
  return coveredActions(patterns, negated).filter((action) => action !== 'kms:RetireGrant');
}

/** True when an Action list names every KMS action (`kms:*` or `*`), administration included. */
export function grantsAllKmsActions(patterns: readonly string[]): boolean {
  return patterns.some((p) => p === '*' || p.toLowerCase() === 'kms:*');
}

export function severityOf(actions: readonly string[], options: { public: boolean; allKms: boolean }): Severity {
  if (options.public || options.allKms || actions.includes('kms:CreateGrant')) return 'critical';
  if (actions.some((a) => !METADATA_ACTIONS.has(a) && !GRANT_REMOVAL_ACTIONS.has(a))) return 'high';
  if (actions.some((a) => METADATA_ACTIONS.has(a))) return 'medium';
  return 'low';
}

export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b);
}
