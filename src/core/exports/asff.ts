import type { Severity } from '../policy/actions.js';
import type { RecordedFinding } from './types.js';
import { clip, findingDescription, findingTitle, viaText } from './wording.js';

/**
 * AWS Security Finding Format (ASFF), the shape Security Hub's BatchImportFindings takes. Limits from AWS's reference
 * (AwsSecurityFinding): Title at most 256 characters, Description 1,024, Remediation.Recommendation.Text 512,
 * ProductFields at most 50 pairs (keys 128, values 2,048).
 */
export const ASFF_SCHEMA_VERSION = '2018-10-08';
export const MAX_TITLE = 256;
export const MAX_DESCRIPTION = 1024;
const MAX_RECOMMENDATION = 512;
const MAX_PRODUCT_FIELD = 2048;

/**
 * The Security Hub a finding goes to: the default custom-integration product of that account and region. Security
 * Hub takes a finding only from the account its AwsAccountId names, so a push through one set of credentials
 * addresses every finding to its own account's hub; the key's account is in the resource's ARN.
 */
export interface SecurityHubTarget {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
}

export type WorkflowStatus = 'NEW' | 'SUPPRESSED' | 'RESOLVED';
export type SeverityLabel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly FirstObservedAt: string;
  readonly LastObservedAt: string;
  readonly Severity: { Label: SeverityLabel; Original: string };
  readonly FindingProviderFields: { Severity: { Label: SeverityLabel; Original: string }; Types: string[] };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation: { Recommendation: { Text: string } };
  readonly ProductFields: Record<string, string>;
  readonly Resources: {
    Type: 'AwsKmsKey';
    Id: string;
    Partition: string;
    Region: string;
    Details: { AwsKmsKey: { KeyId: string; KeyState: string; KeyManager: 'CUSTOMER' } };
  }[];
  readonly Workflow: { Status: WorkflowStatus };
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
}

const LABELS: Record<Severity, SeverityLabel> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW' };
const WORKFLOW: Record<RecordedFinding['status'], WorkflowStatus> = {
  open: 'NEW',
  acknowledged: 'SUPPRESSED',
  resolved: 'RESOLVED',
};

/**
 * The finding's ID in Security Hub: the same finding, the same ID, so a new import updates it. `generation`: which
 * Security Hub finding of it (0, the first, has no suffix); the push starts a new one when the finding needs a
 * decision again (see HubPending.generation), since Security Hub would keep the old one's workflow.
 */
export function asffId(fingerprint: string, generation = 0): string {
  return generation === 0 ? `kms-sentinel/finding/${fingerprint}` : `kms-sentinel/finding/${fingerprint}/${generation}`;
}

/** Which Security Hub finding of the record's finding a version is; `supersededBy`: archived, replaced by that Id. */
export interface AsffVersion {
  readonly generation?: number;
  readonly supersededBy?: string;
}

export function productArn(target: SecurityHubTarget): string {
  const { partition, region, accountId } = target;
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** The partition of an ARN (`arn:aws-us-gov:...` is aws-us-gov); aws when it names none. */
export function partitionOf(arn: string): string {
  return /^arn:(aws[a-z-]*):/.exec(arn)?.[1] ?? 'aws';
}

function typesOf(f: RecordedFinding): string[] {
  const about =
    f.kind === 'unreadable' || f.kind === 'analysis-error' || f.kind === 'unparseable-policy'
      ? 'KMS key whose access cannot be judged'
      : 'KMS key open beyond the trust list';
  const types = [`Software and Configuration Checks/AWS Security Best Practices/${about}`];
  if (f.public) types.push('Effects/Data Exposure/KMS key open to everyone');
  return types;
}

/**
 * One finding in ASFF. `target`: the hub it goes to (undefined: the Security Hub of the key's own account and
 * region). `updatedAt`: when this version of it was made; Security Hub ignores an import whose UpdatedAt is not later
 * than what it holds, so each change must carry a later one.
 */
export function asffFinding(
  f: RecordedFinding,
  target: SecurityHubTarget | undefined,
  updatedAt: string,
  version: AsffVersion = {},
): AsffFinding {
  const keyPartition = partitionOf(f.keyArn);
  const hub = target ?? { accountId: f.accountId, region: f.region, partition: keyPartition };
  const severity = { Label: LABELS[f.severity], Original: f.severity };
  const types = typesOf(f);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: asffId(f.fingerprint, version.generation),
    ProductArn: productArn(hub),
    GeneratorId: `kms-sentinel/${f.kind}`,
    AwsAccountId: hub.accountId,
    Types: types,
    CreatedAt: f.firstSeen,
    UpdatedAt: updatedAt,
    FirstObservedAt: f.firstSeen,
    LastObservedAt: f.lastSeen,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: clip(findingTitle(f), MAX_TITLE),
    Description: clip(findingDescription(f), MAX_DESCRIPTION),
    Remediation: {
      Recommendation: {
        Text: clip(
          f.source === 'grant'
            ? `Revoke grant ${f.grantId ?? ''} if it is not meant (kms-sentinel remediate), or trust its account if it is.`
            : 'Remove the principal from the key policy or narrow the statement (kms-sentinel remediate), or, if the access is meant, trust its account or organization.',
          MAX_RECOMMENDATION,
        ),
      },
    },
    ProductFields: productFields(f, version.supersededBy),
    Resources: [
      {
        Type: 'AwsKmsKey',
        Id: f.keyArn,
        Partition: keyPartition,
        Region: f.region,
        Details: { AwsKmsKey: { KeyId: f.keyId, KeyState: f.keyState, KeyManager: 'CUSTOMER' } },
      },
    ],
    Workflow: { Status: WORKFLOW[f.status] },
    RecordState: f.status === 'resolved' || version.supersededBy !== undefined ? 'ARCHIVED' : 'ACTIVE',
  };
}

/**
 * What kms-sentinel knows beyond ASFF's own fields. Unlike Workflow, which Security Hub takes only when it creates a
 * finding, these follow every import: the record's status and acknowledgement are always here.
 */
function productFields(f: RecordedFinding, supersededBy: string | undefined): Record<string, string> {
  const fields: Record<string, string | null | undefined> = {
    'kms-sentinel/fingerprint': f.fingerprint,
    'kms-sentinel/status': f.status,
    'kms-sentinel/kind': f.kind,
    'kms-sentinel/keyAccount': f.accountId,
    'kms-sentinel/principal': f.principal,
    'kms-sentinel/principalAccount': f.account,
    'kms-sentinel/via': viaText(f),
    'kms-sentinel/actions': f.actions.join(' '),
    'kms-sentinel/public': String(f.public),
    'kms-sentinel/aliases': f.aliases.join(' '),
    'kms-sentinel/stack': f.stack,
    'kms-sentinel/acknowledgedBy': f.ackBy,
    'kms-sentinel/acknowledgedReason': f.ackReason,
    'kms-sentinel/acknowledgedUntil': f.ackUntil,
    'kms-sentinel/resolvedAt': f.resolvedAt,
    'kms-sentinel/resolvedCause': f.resolvedCause,
    'kms-sentinel/supersededBy': supersededBy,
  };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined && value !== '') out[key] = clip(value, MAX_PRODUCT_FIELD);
  }
  return out;
}
