import { FINDING_RULES, findingRuleId, levelOf, type SarifTool, sarifLog } from '../iac/sarif.js';
import type { PolicyFindingKind } from '../policy/grantees.js';
import type { FindingKind } from '../scan/types.js';
import type { RecordedFinding } from './types.js';
import { endSentence, findingTitle, statusText, viaText } from './wording.js';

/** The name of the partial fingerprint a result carries: the finding's own fingerprint, stable across scans. */
const FINGERPRINT = 'kmsSentinelFinding/v1';

/** Kinds a scan of AWS finds that a template check never does: grants, and keys that could not be read or judged. */
const RECORD_RULES: Record<Exclude<FindingKind, PolicyFindingKind>, readonly [name: string, short: string]> = {
  grantee: ['KeyGrantToUntrustedPrincipal', 'A grant lets a principal outside the trust list use the KMS key'],
  'retiring-grantee': [
    'KeyGrantRetirableByUntrustedPrincipal',
    'A grant lets a principal outside the trust list retire it',
  ],
  'unparseable-policy': ['UnparseableKeyPolicy', 'The key policy cannot be parsed, so nobody can tell who it lets in'],
  unreadable: ['UnreadableKey', 'The key policy shuts the scanner out, so it may let anyone in'],
  'analysis-error': ['KeyNotJudged', 'The key could not be judged, so its findings may be out of date'],
};

interface Rule {
  readonly id: string;
  readonly name: string;
  readonly short: string;
}

const RULES: readonly Rule[] = [
  ...Object.entries(FINDING_RULES).map(([kind, [name, who]]) => ({
    id: findingRuleId(kind),
    name,
    short: `KMS key open to ${who}`,
  })),
  ...Object.entries(RECORD_RULES).map(([kind, [name, short]]) => ({ id: findingRuleId(kind), name, short })),
];
const RULE_INDEX = new Map(RULES.map((rule, index) => [rule.id, index]));

/**
 * The record's findings as one SARIF 2.1.0 run. A key is a resource, not a file: each result names it as a logical
 * location (its ARN the fully qualified name). An acknowledged finding is suppressed (accepted, with its reason); a
 * resolved one says so in its message and properties.
 */
export function findingsSarif(findings: Iterable<RecordedFinding>, tool: SarifTool): object {
  const results: object[] = [];
  for (const f of findings) {
    const ruleId = findingRuleId(f.kind);
    const actions = f.actions.length === 0 ? '' : ` with ${f.actions.join(', ')}`;
    const text = `${findingTitle(f)} (${endSentence(f.reason).slice(0, -1)}) through ${viaText(f)}${actions}; severity ${f.severity}. ${statusText(f)}`;
    results.push({
      ruleId,
      ruleIndex: RULE_INDEX.get(ruleId),
      level: levelOf(f.severity),
      message: { text },
      locations: [
        {
          logicalLocations: [{ name: f.aliases[0] ?? f.keyId, fullyQualifiedName: f.keyArn, kind: 'resource' }],
        },
      ],
      partialFingerprints: { [FINGERPRINT]: f.fingerprint },
      ...(f.status === 'acknowledged'
        ? {
            suppressions: [
              { kind: 'external', status: 'accepted', justification: `${f.ackBy ?? '?'}: ${f.ackReason ?? ''}` },
            ],
          }
        : {}),
      properties: {
        fingerprint: f.fingerprint,
        status: f.status,
        severity: f.severity,
        accountId: f.accountId,
        region: f.region,
        keyArn: f.keyArn,
        principal: f.principal,
        account: f.account,
        source: f.source,
        statement: f.statement,
        grantId: f.grantId,
        actions: f.actions,
        public: f.public,
        firstSeen: f.firstSeen,
        lastSeen: f.lastSeen,
        ...(f.stack ? { stack: f.stack } : {}),
        ...(f.resolvedAt === null ? {} : { resolvedAt: f.resolvedAt, resolvedCause: f.resolvedCause }),
      },
    });
  }
  return sarifLog(
    tool,
    RULES.map((rule) => ({
      id: rule.id,
      name: rule.name,
      shortDescription: { text: `${rule.short}.` },
      fullDescription: {
        text: `${rule.short}: a finding of kms-sentinel's scan of the organization's KMS keys, as the record keeps it.`,
      },
      help: {
        text: 'Remove the principal from the key policy or revoke the grant, or, if the access is meant, trust its account or organization (kms-sentinel trust add).',
      },
      properties: { tags: ['security', 'kms'] },
    })),
    results,
  );
}
