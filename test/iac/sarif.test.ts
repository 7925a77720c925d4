import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeIacKey } from '../../src/core/iac/judge.js';
import { artifactLocation, iacSarif } from '../../src/core/iac/sarif.js';
import { terraformPlanKeys } from '../../src/core/iac/terraform-plan.js';
import type { IacKey, IacKeyReport, IacReport } from '../../src/core/iac/types.js';
import type { Severity } from '../../src/core/policy/actions.js';
import { within } from '../helpers/deadline.js';
import { validateSarif } from '../helpers/sarif.js';

interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number } };
    logicalLocations?: { name: string; kind: string }[];
  }[];
  partialFingerprints: Record<string, string>;
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: { tool: { driver: { name: string; version: string; rules: { id: string }[] } }; results: SarifResult[] }[];
}

const TOOL = { name: 'kms-sentinel', version: '0.1.0', informationUri: 'https://example.com/kms-sentinel' };
const sarifOf = (report: IacReport) => iacSarif(report, TOOL) as SarifLog;
const resultsOf = (report: IacReport) => sarifOf(report).runs[0]?.results ?? [];
const empty: IacReport = { checked: [], skipped: [], keys: [], errors: [], notices: [] };

/** The rule page's CloudFormation key, its two "AWS" principals merged, with the lines a template reader gives. */
const TEMPLATE_KEY: IacKey = {
  file: 'templates/kms key.yaml',
  resource: 'KMSKEY',
  resourceType: 'AWS::KMS::Key',
  policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::123123123123:root', 'arn:aws:iam::123456789012:root'] },
        Action: 'kms:*',
        Resource: '*',
      },
      { Sid: 'No resource', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt' },
    ],
  },
  account: '123456789012',
  statementLines: [12, 20],
  line: 4,
  notices: [
    {
      code: 'unresolvable',
      at: 'Statement[0].Principal.AWS[2]',
      message: 'the value of {"Ref": "PartnerAccount"} is not known: give it with --parameter PartnerAccount=ID',
      line: 15,
      unjudged: true,
    },
  ],
};

function planKeys(name: string): IacKey[] {
  const file = `plans/${name}.json`;
  const url = new URL(`../fixtures/iac/terraform-${name}-plan.json`, import.meta.url);
  return terraformPlanKeys(file, JSON.parse(readFileSync(url, 'utf8')), { account: undefined, parameters: new Map() });
}

/** A report the engine gives: findings with lines (the template) and without (plans), notices, and file errors. */
const engineReport: IacReport = {
  checked: [
    { file: 'templates/kms key.yaml', kind: 'cloudformation' },
    { file: 'plans/rule-page.json', kind: 'terraform-plan' },
    { file: 'plans/unknown-policy.json', kind: 'terraform-plan' },
  ],
  skipped: ['package.json'],
  keys: [TEMPLATE_KEY, ...planKeys('rule-page'), ...planKeys('unknown-policy')].map((key) => judgeIacKey(key, [])),
  errors: [
    {
      file: 'templates/broken.json',
      code: 'invalid-json',
      message: 'invalid JSON at line 3, column 5: expected a comma',
      line: 3,
    },
    { file: './other/notes.json', code: 'not-a-template', message: 'neither a template nor a plan', line: undefined },
  ],
  notices: [
    {
      file: 'templates/macro.yaml',
      code: 'transform',
      at: undefined,
      message: 'Transform MyMacro: CloudFormation runs this macro on the template before it deploys',
      line: 1,
      unjudged: true,
    },
  ],
};

/** One key whose findings have the given severities, each a principal of its own, in statements with lines. */
function reportWith(severities: readonly Severity[], line: number | undefined): IacReport {
  const findings = severities.map((severity, i) => ({
    kind: 'account' as const,
    principal: `arn:aws:iam::99990000000${i}:root`,
    account: `99990000000${i}`,
    statement: `S${i}`,
    actions: ['kms:Decrypt'],
    severity,
    public: false,
    reason: `account 99990000000${i} is not trusted`,
    line,
  }));
  const key: IacKeyReport = { key: TEMPLATE_KEY, findings, policyNotices: [], public: false };
  return { ...empty, keys: [key] };
}

const validity = suite("SARIF validity, by Microsoft's SARIF Multitool");

validity(
  'findings with and without lines, notices, file errors and an empty report are all valid SARIF 2.1.0',
  async () => {
    const findings = engineReport.keys.flatMap((k) => k.findings);
    assert.ok(findings.some((f) => f.line !== undefined) && findings.some((f) => f.line === undefined));
    const notices = { ...engineReport, keys: engineReport.keys.filter((k) => k.key.notices.length > 0), errors: [] };
    const errorsOnly = { ...empty, errors: engineReport.errors };
    const verdicts = await within(
      validateSarif({
        everything: sarifOf(engineReport),
        notices: sarifOf(notices),
        errors: sarifOf(errorsOnly),
        empty: sarifOf(empty),
      }),
      'the SARIF Multitool',
      150_000,
    );
    for (const [name, verdict] of Object.entries(verdicts)) {
      assert.equal(verdict.errors, [], `${name}: ${verdict.errors.join('\n')}`);
      // The one warning allowed: a plan has no lines, so its results carry no region (SARIF2017 asks for one).
      const others = verdict.warnings.filter((w) => !/^SARIF2017: .*The 'region' property is absent/.test(w));
      assert.equal(others, [], `${name}: ${others.join('\n')}`);
    }
  },
);

validity('the validator does report invalid SARIF (a region at line 0, a result without a message)', async () => {
  const broken = sarifOf(reportWith(['high'], 7)) as unknown as { runs: { results: Record<string, unknown>[] }[] };
  const result = broken.runs[0]?.results[0] as { locations: { physicalLocation: { region: object } }[] };
  (result.locations[0] as { physicalLocation: { region: object } }).physicalLocation.region = { startLine: 0 };
  delete (result as { message?: unknown }).message;
  const { broken: verdict } = await within(validateSarif({ broken }), 'the SARIF Multitool', 150_000);
  assert.ok(
    verdict?.errors.some((e) => e.includes('startLine')),
    verdict?.errors.join('\n'),
  );
  assert.ok(
    verdict?.errors.some((e) => e.includes("'message'")),
    verdict?.errors.join('\n'),
  );
});

const shape = suite('what the SARIF says');

shape('one run of SARIF 2.1.0, the tool named, one rule per finding kind and notice code', () => {
  const log = sarifOf(engineReport);
  assert.is(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.is(log.version, '2.1.0');
  assert.is(log.runs.length, 1);
  const driver = log.runs[0]?.tool.driver;
  assert.is(driver?.name, 'kms-sentinel');
  assert.is(driver?.version, '0.1.0');
  const ids = driver?.rules.map((r) => r.id) ?? [];
  assert.is(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const id of ['KMS-006/account', 'KMS-006/public', 'notice/unresolvable', 'notice/no-resource', 'input-error']) {
    assert.ok(ids.includes(id), id);
  }
  for (const result of log.runs[0]?.results ?? []) {
    assert.is(driver?.rules[result.ruleIndex ?? -1]?.id, result.ruleId, 'ruleIndex points at the rule');
  }
});

shape('levels: critical and high are errors, medium a warning, low a note', () => {
  assert.equal(
    resultsOf(reportWith(['critical', 'high', 'medium', 'low'], 7))
      .filter((r) => r.ruleId.startsWith('KMS-006/'))
      .map((r) => r.level),
    ['error', 'error', 'warning', 'note'],
  );
});

shape("a finding names the resource, principal, reason, statement and actions, at the statement's line", () => {
  const [result] = resultsOf(reportWith(['high'], 7));
  assert.is(result?.ruleId, 'KMS-006/account');
  assert.is(
    result?.message.text,
    'KMSKEY lets in arn:aws:iam::999900000000:root (account 999900000000 is not trusted) through statement "S0", with kms:Decrypt; severity high.',
  );
  assert.equal(result?.locations[0]?.physicalLocation, {
    artifactLocation: { uri: 'templates/kms%20key.yaml', uriBaseId: '%SRCROOT%' },
    region: { startLine: 7 },
  });
  assert.equal(result?.locations[0]?.logicalLocations?.[0]?.name, 'KMSKEY');
  assert.equal(result?.locations[0]?.logicalLocations?.[0]?.kind, 'resource');
});

shape('without a line, no region at all (SARIF lines start at 1)', () => {
  const [result] = resultsOf(reportWith(['high'], undefined));
  assert.is(result?.locations[0]?.physicalLocation.region, undefined);
  const planFinding = resultsOf(engineReport).find(
    (r) => r.locations[0]?.physicalLocation.artifactLocation.uri === 'plans/rule-page.json',
  );
  assert.is(planFinding?.ruleId, 'KMS-006/account');
  assert.is(planFinding?.locations[0]?.physicalLocation.region, undefined);
  assert.is(planFinding?.locations[0]?.logicalLocations?.[0]?.name, 'aws_kms_key.kms-key');
});

shape('notices are notes; file errors are errors naming their code, at their line when known', () => {
  const results = resultsOf(engineReport);
  const unresolvable = results.find((r) => r.ruleId === 'notice/unresolvable');
  assert.is(unresolvable?.level, 'note');
  assert.match(
    unresolvable?.message.text ?? '',
    /^KMSKEY: the value of .* \(at Statement\[0\]\.Principal\.AWS\[2\]\)\.$/,
  );
  assert.is(unresolvable?.locations[0]?.physicalLocation.region?.startLine, 15);
  assert.ok(results.some((r) => r.ruleId === 'notice/no-resource' && r.level === 'note'));
  assert.ok(results.some((r) => r.ruleId === 'notice/policy-unknown' && r.level === 'note'));
  const errors = results.filter((r) => r.ruleId === 'input-error');
  assert.equal(
    errors.map((r) => [r.level, r.locations[0]?.physicalLocation]),
    [
      [
        'error',
        { artifactLocation: { uri: 'templates/broken.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } },
      ],
      ['error', { artifactLocation: { uri: 'other/notes.json', uriBaseId: '%SRCROOT%' } }],
    ],
  );
  assert.match(errors[0]?.message.text ?? '', /\[invalid-json\]\.$/);
});

shape('an empty report is a run with no results', () => {
  assert.equal(resultsOf(empty), []);
});

shape('file paths: relative with forward slashes from the repository root; absolute ones as file URIs', () => {
  assert.equal(artifactLocation('templates\\keys\\a.json'), { uri: 'templates/keys/a.json', uriBaseId: '%SRCROOT%' });
  assert.equal(artifactLocation('./a#1.yaml'), { uri: 'a%231.yaml', uriBaseId: '%SRCROOT%' });
  assert.equal(artifactLocation('/srv/repo/a b.json'), { uri: 'file:///srv/repo/a%20b.json' });
  assert.equal(artifactLocation('C:\\repo\\a.json'), { uri: 'file:///C:/repo/a.json' });
});

const fingerprints = suite('fingerprints, so code scanning keeps one alert per exposure');

const fingerprintOf = (result: SarifResult | undefined) => Object.values(result?.partialFingerprints ?? {})[0];

fingerprints('the same exposure gets the same fingerprint, whatever its line, severity or actions', () => {
  const [first] = resultsOf(reportWith(['high'], 7));
  assert.match(fingerprintOf(first) ?? '', /^[0-9a-f]{32}$/);
  assert.is(fingerprintOf(resultsOf(reportWith(['high'], 7))[0]), fingerprintOf(first), 'stable across runs');
  const moved = reportWith(['low'], 40);
  const finding = moved.keys[0]?.findings[0];
  const changed = {
    ...moved,
    keys: [{ ...(moved.keys[0] as IacKeyReport), findings: [{ ...finding, actions: ['kms:Encrypt'] }] }],
  } as IacReport;
  assert.is(fingerprintOf(resultsOf(changed)[0]), fingerprintOf(first));
});

fingerprints('another principal, statement, resource or file is another fingerprint', () => {
  const base = reportWith(['high', 'high'], 7);
  const [a, b] = resultsOf(base);
  assert.is.not(fingerprintOf(a), fingerprintOf(b), 'another principal and statement');
  const key = base.keys[0] as IacKeyReport;
  const elsewhere = (change: Partial<IacKey>) =>
    fingerprintOf(resultsOf({ ...base, keys: [{ ...key, key: { ...key.key, ...change } }] })[0]);
  assert.is.not(elsewhere({ resource: 'OtherKey' }), fingerprintOf(a));
  assert.is.not(elsewhere({ file: 'templates/other.yaml' }), fingerprintOf(a));
});

fingerprints('every result of a report has a fingerprint of its own', () => {
  const all = resultsOf(engineReport).map(fingerprintOf);
  assert.ok(all.every((f) => f !== undefined));
  assert.is(new Set(all).size, all.length);
});

validity.run();
shape.run();
fingerprints.run();
