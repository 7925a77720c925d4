import { stableHash } from '../findings/fingerprint.js';
import type { Severity } from '../policy/actions.js';
import type { NoticeCode } from '../policy/analyze.js';
import type { PolicyFindingKind } from '../policy/grantees.js';
import { shownAccount } from './judge.js';
import type { IacKey, IacNotice, IacReport } from './types.js';

/** SARIF 2.1.0 (OASIS), the format code-scanning services (GitHub code scanning among them) read. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Where relative file paths start: the checked-out repository, as code-scanning uploads expect. */
const SOURCE_ROOT = '%SRCROOT%';
/** The name of this tool's own partial fingerprint; the version changes only if what it covers changes. */
const FINGERPRINT = 'kmsSentinelResult/v1';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifTool {
  readonly name: string;
  readonly version: string;
  /** Where to read about the tool; code-scanning viewers link to it. */
  readonly informationUri?: string | undefined;
}

type Level = SarifLevel;

interface Rule {
  readonly id: string;
  readonly name: string;
  readonly short: string;
  readonly full: string;
  readonly help: string;
  readonly level: Level;
}

export const FINDING_RULES: Record<PolicyFindingKind, readonly [name: string, who: string]> = {
  public: ['KeyOpenToEveryone', 'anyone (a "*" principal, or NotPrincipal with Allow)'],
  account: ['KeyOpenToUntrustedAccount', 'a whole account outside the trust list'],
  principal: ['KeyOpenToUntrustedPrincipal', 'a user, role or session of an account outside the trust list'],
  'principal-pattern': ['KeyOpenToUntrustedPrincipalPattern', 'the principals an aws:PrincipalArn pattern names'],
  organization: ['KeyOpenToUntrustedOrganization', 'an organization that is not trusted'],
  federated: ['KeyOpenToFederatedIdentities', 'identities federated through a provider'],
  'canonical-user': ['KeyOpenToCanonicalUser', 'an S3 canonical user'],
};

const NOTICE_RULES: Record<IacNotice['code'] | NoticeCode, readonly [name: string, text: string]> = {
  unresolvable: [
    'UnresolvableValue',
    'A value in the key policy could not be resolved from the template, so the part holding it was not judged.',
  ],
  'policy-unknown': [
    'PolicyUnknownAtPlanTime',
    'The key policy is known only after apply, so the plan cannot be checked for it.',
  ],
  'invalid-policy': [
    'InvalidKeyPolicy',
    'The key policy is not valid JSON, so it was not checked; the file cannot pass until it is fixed.',
  ],
  transform: [
    'TemplateTransform',
    'The template runs a macro or includes resources from elsewhere: what it makes cannot be judged before it runs.',
  ],
  'no-policy': [
    'DefaultKeyPolicy',
    'The key sets no policy: KMS gives it the default key policy, which lets in only its own account.',
  ],
  'no-resource': ['StatementWithoutResource', 'A statement has no "Resource", so it has no effect in a key policy.'],
  'no-action': ['StatementWithoutAction', 'A statement has no "Action" or "NotAction", so it has no effect.'],
  'stale-principal': ['StalePrincipal', 'A principal is the unique ID of a deleted IAM principal: it grants nobody.'],
  'no-cross-account-actions': [
    'NoCrossAccountActions',
    'A statement grants outsiders only actions that have no effect across accounts.',
  ],
  'unmatchable-condition': ['UnmatchableCondition', "A statement's conditions can never match, so it grants nothing."],
  'contradictory-condition': ['ContradictoryCondition', "A statement's conditions exclude a principal it names."],
  'aws-service-only': ['AwsServiceOnly', 'A statement matches only AWS services calling with their service principal.'],
};

const INPUT_ERROR = 'input-error';

const RULES: readonly Rule[] = [
  ...Object.entries(FINDING_RULES).map(([kind, [name, who]]) => ({
    id: findingRuleId(kind),
    name,
    short: `KMS key open to ${who}`,
    full: `The key policy lets ${who} use the key: a principal outside the trust list that can use it, as kms-sentinel check-policy judges it.`,
    help: 'Remove the principal from the key policy, narrow the statement with conditions, or, if the access is meant, trust its account or organization with --trust.',
    level: 'error' as const,
  })),
  ...Object.entries(NOTICE_RULES).map(([code, [name, text]]) => ({
    id: noticeRuleId(code),
    name,
    short: text,
    full: `${text} This is a notice, not a finding.`,
    help: 'Read the message: it says what could not be judged and what to do about it.',
    level: 'note' as const,
  })),
  {
    id: INPUT_ERROR,
    name: 'FileCannotBeChecked',
    short: 'A file could not be read as a CloudFormation template or a Terraform plan.',
    full: 'The file is not valid JSON or YAML, not a template or plan, or declares a key policy that is not valid: nothing in it was judged.',
    help: 'Fix the file where the message says; kms-sentinel check-iac exits with status 2 until it can be read.',
    level: 'error',
  },
];

const RULE_INDEX = new Map(RULES.map((rule, index) => [rule.id, index]));

/** The report as one SARIF 2.1.0 run: findings, notices (as notes) and files that could not be checked (as errors). */
export function iacSarif(report: IacReport, tool: SarifTool): object {
  const results: object[] = [];
  for (const error of report.errors) {
    results.push(
      result(INPUT_ERROR, 'error', endSentence(`${error.message} [${error.code}]`), error.file, error.line, undefined, [
        error.file,
        error.code,
      ]),
    );
  }
  for (const n of report.notices) {
    results.push(
      result(noticeRuleId(n.code), 'note', endSentence(n.message), n.file, n.line, undefined, [
        n.file,
        n.code,
        n.message,
      ]),
    );
  }
  for (const { key, findings, policyNotices } of report.keys) {
    for (const f of findings) {
      const text =
        `${key.resource} lets in ${shownAccount(f.principal)} (${shownAccount(f.reason)}) through statement ` +
        `${JSON.stringify(f.statement)}, with ${f.actions.join(', ')}; severity ${f.severity}.`;
      results.push({
        ...result(findingRuleId(f.kind), levelOf(f.severity), text, key.file, f.line, key, [
          key.file,
          key.resource,
          f.statement,
          f.principal,
        ]),
        properties: {
          severity: f.severity,
          principal: f.principal,
          account: f.account,
          statement: f.statement,
          actions: f.actions,
          public: f.public,
        },
      });
    }
    for (const n of key.notices) {
      const about = n.message.startsWith(key.resource) ? n.message : `${key.resource}: ${n.message}`;
      const text = endSentence(n.at === undefined || about.includes(n.at) ? about : `${about} (at ${n.at})`);
      results.push(
        result(noticeRuleId(n.code), 'note', text, key.file, n.line, key, [key.file, key.resource, n.code, n.at ?? '']),
      );
    }
    for (const n of policyNotices) {
      const text = endSentence(`${key.resource}: statement ${JSON.stringify(n.statement)}: ${n.message}`);
      results.push(
        result(noticeRuleId(n.code), 'note', text, key.file, n.line, key, [
          key.file,
          key.resource,
          n.code,
          n.statement,
        ]),
      );
    }
  }
  return sarifLog(tool, RULES.map(descriptor), results);
}

/** A SARIF 2.1.0 log of one run of `tool`, with its rules and results. */
export function sarifLog(tool: SarifTool, rules: readonly object[], results: readonly object[]): object {
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            ...(tool.informationUri === undefined ? {} : { informationUri: tool.informationUri }),
            rules,
          },
        },
        results,
      },
    ],
  };
}

function result(
  ruleId: string,
  level: Level,
  text: string,
  file: string,
  line: number | undefined,
  key: IacKey | undefined,
  identity: readonly string[],
): object {
  const region = line !== undefined && Number.isInteger(line) && line >= 1 ? { region: { startLine: line } } : {};
  const physicalLocation = { artifactLocation: artifactLocation(file), ...region };
  const logical =
    key === undefined
      ? {}
      : {
          logicalLocations: [{ name: key.resource, kind: 'resource', properties: { resourceType: key.resourceType } }],
        };
  return {
    ruleId,
    ruleIndex: RULE_INDEX.get(ruleId),
    level,
    message: { text },
    locations: [{ physicalLocation, ...logical }],
    partialFingerprints: { [FINGERPRINT]: stableHash([ruleId, ...identity].join('\u0000')) },
  };
}

function descriptor(rule: Rule): object {
  return {
    id: rule.id,
    name: rule.name,
    shortDescription: { text: rule.short },
    fullDescription: { text: rule.full },
    help: { text: rule.help },
    defaultConfiguration: { level: rule.level },
    properties: { tags: rule.id === INPUT_ERROR ? ['security'] : ['security', 'kms'] },
  };
}

/**
 * A file path as a SARIF artifact location: a relative path stays relative to the checked-out repository (forward
 * slashes, each segment percent-encoded), an absolute one becomes a file: URI.
 */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const path = file.replaceAll('\\', '/');
  const drive = /^[A-Za-z]:\//.test(path);
  if (path.startsWith('/') || drive) {
    const segments = (drive ? path : path.slice(1)).split('/');
    const encoded = segments.map((s, i) => (drive && i === 0 ? s : encodeURIComponent(s)));
    return { uri: `file:///${encoded.join('/')}` };
  }
  const relative = path.replace(/^(\.\/)+/, '');
  return { uri: relative.split('/').map(encodeURIComponent).join('/'), uriBaseId: SOURCE_ROOT };
}

export function levelOf(severity: Severity): Level {
  if (severity === 'critical' || severity === 'high') return 'error';
  return severity === 'medium' ? 'warning' : 'note';
}

export function findingRuleId(kind: string): string {
  return `KMS-006/${kind}`;
}

function noticeRuleId(code: string): string {
  return `notice/${code}`;
}

function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
