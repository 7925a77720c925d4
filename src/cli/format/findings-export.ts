import { asffFinding, partitionOf, type SecurityHubTarget } from '../../core/exports/asff.js';
import { findingsCsv } from '../../core/exports/csv.js';
import { findingsSarif } from '../../core/exports/findings-sarif.js';
import type { StoredFinding } from '../../usecases/store-port.js';

export type ExportFormat = 'csv' | 'sarif' | 'asff';

export interface ExportOptions {
  readonly version: string;
  readonly now: Date;
  /** ASFF: the Security Hub every finding goes to (undefined: each to its key's own account and region). */
  readonly hub: Omit<SecurityHubTarget, 'partition'> | undefined;
}

/** The findings in one of the formats other tools read, as the text to print. */
export function exportFindings(
  format: ExportFormat,
  findings: readonly StoredFinding[],
  options: ExportOptions,
): string {
  if (format === 'csv') return findingsCsv(findings);
  if (format === 'sarif') {
    const sarif = findingsSarif(findings, { name: 'kms-sentinel', version: options.version });
    return `${JSON.stringify(sarif, null, 2)}\n`;
  }
  const at = options.now.toISOString();
  const hub = options.hub;
  const target = (f: StoredFinding) => (hub === undefined ? undefined : { ...hub, partition: partitionOf(f.keyArn) });
  // BatchImportFindings' request body: `aws securityhub batch-import-findings --cli-input-json file://...` (at most
  // 100 findings a call).
  return `${JSON.stringify({ Findings: findings.map((f) => asffFinding(f, target(f), at)) }, null, 2)}\n`;
}
