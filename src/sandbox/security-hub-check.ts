/**
 * What Security Hub checks of one finding BatchImportFindings is given (AwsSecurityFinding in AWS's API reference):
 * the required attributes, their lengths, and the timestamp forms it accepts. Undefined: the finding is valid.
 */
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$/;
const LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export function findingProblem(f: Record<string, unknown>): string | undefined {
  for (const name of REQUIRED) {
    const value = f[name];
    if (value === undefined || value === null || value === '') return `${name} is required`;
  }
  if (typeof f.AwsAccountId !== 'string' || !/^\d{12}$/.test(f.AwsAccountId)) return 'AwsAccountId must be 12 digits';
  for (const name of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    const value = f[name];
    if (value !== undefined && (typeof value !== 'string' || !TIMESTAMP.test(value))) {
      return `${name} is not a timestamp Security Hub accepts`;
    }
  }
  if (typeof f.Title !== 'string' || f.Title.length > 256) return 'Title must be at most 256 characters';
  if (typeof f.Description !== 'string' || f.Description.length > 1024) {
    return 'Description must be at most 1024 characters';
  }
  const severity = f.Severity as { Label?: unknown; Normalized?: unknown };
  if (severity.Label === undefined && severity.Normalized === undefined) return 'Severity needs Label or Normalized';
  if (severity.Label !== undefined && !LABELS.includes(String(severity.Label))) return 'Severity.Label is not valid';
  if (!Array.isArray(f.Types) || f.Types.length === 0 || f.Types.length > 50) return 'Types must have 1 to 50 items';
  for (const type of f.Types) {
    if (typeof type !== 'string' || type.split('/').length > 3)
      return `Types item ${JSON.stringify(type)} is not namespace/category/classifier`;
  }
  if (!Array.isArray(f.Resources) || f.Resources.length === 0 || f.Resources.length > 32) {
    return 'Resources must have 1 to 32 items';
  }
  for (const r of f.Resources as { Type?: unknown; Id?: unknown }[]) {
    if (typeof r?.Type !== 'string' || typeof r.Id !== 'string' || r.Type === '' || r.Id === '') {
      return 'each resource needs a Type and an Id';
    }
  }
  const fields = f.ProductFields as Record<string, unknown> | undefined;
  if (fields !== undefined) {
    const entries = Object.entries(fields);
    if (entries.length > 50) return 'ProductFields has more than 50 entries';
    for (const [key, value] of entries) {
      if (key.length > 128 || typeof value !== 'string' || value.length > 2048) {
        return `ProductFields ${JSON.stringify(key)} is too long or not a string`;
      }
    }
  }
  if (JSON.stringify(f).length > 240 * 1024) return 'the finding is larger than 240 KB';
  return undefined;
}
