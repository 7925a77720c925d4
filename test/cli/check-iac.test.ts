import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/cli.js';
import { validateSarif } from '../helpers/sarif.js';

const command = suite('kms-sentinel check-iac');
const iac = (name: string) => new URL(`../fixtures/iac/${name}`, import.meta.url).pathname;
const OWNER = '123456789012';

interface JsonFinding {
  principal: string;
  statement: string;
  actions: string[];
  severity: string;
  public: boolean;
  reason: string;
  line: number | null;
}

const jsonOf = (stdout: string) =>
  JSON.parse(stdout) as {
    checked: { file: string; kind: string }[];
    skipped: string[];
    keys: { resource: string; findings: JsonFinding[]; notices: { code: string }[] }[];
    errors: { file: string; code: string; line: number | null; message: string }[];
  };

command("the rule page's JSON template is refused as it is published: the missing comma, with its line", async () => {
  const result = await cli(['check-iac', iac('rule-page-template-raw.json')]);
  assert.is(result.code, 2);
  assert.match(
    result.stdout,
    /rule-page-template-raw\.json:19 {2}cannot be checked: invalid JSON at line 19, column 9/,
  );
  const fixed = await cli(['check-iac', iac('rule-page-template-duplicate-aws.json'), '--format', 'json']);
  assert.is(fixed.code, 2);
  assert.equal(
    jsonOf(fixed.stdout).errors.map((e) => [e.code, e.line]),
    [['duplicate-key', 19]],
  );
});

command("the rule page's YAML template is malformed as published; repaired, it reports 123123123123", async () => {
  const raw = await cli(['check-iac', iac('rule-page-template-raw.yaml'), '--format', 'json']);
  assert.is(raw.code, 2);
  assert.equal(
    jsonOf(raw.stdout).errors.map((e) => [e.code, e.line]),
    [['invalid-yaml', 2]],
  );
  const repaired = await cli([
    'check-iac',
    iac('rule-page-template-repaired.yaml'),
    '--account',
    OWNER,
    '--format',
    'json',
  ]);
  assert.is(repaired.code, 1);
  const findings = jsonOf(repaired.stdout).keys.flatMap((k) => k.findings);
  assert.equal(
    findings.map((f) => [f.principal, f.statement, f.line]),
    [['arn:aws:iam::123123123123:root', 'Enable IAM User Permissions', 13]],
  );
  const trusted = await cli([
    'check-iac',
    iac('rule-page-template-repaired.yaml'),
    '--account',
    OWNER,
    '--trust',
    '123123123123',
  ]);
  assert.is(trusted.code, 0, trusted.stdout);
  assert.match(trusted.stdout, /No key lets in anyone outside the trust zone \(1 key judged\)/);
});

command("the verdict on a template is check-policy's verdict on the same policy (one engine)", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'check-iac-'));
  for (const [template, trust] of [
    ['rule-page-template-repaired.json', []],
    ['rule-page-template-repaired.json', ['123123123123']],
    ['cloudformation-intrinsics.json', ['333333333333']],
  ] as const) {
    const root = JSON.parse(readFileSync(iac(template), 'utf8'));
    const trustArgs = trust.flatMap((t) => ['--trust', t]);
    const report = jsonOf(
      (await cli(['check-iac', iac(template), '--account', OWNER, '--format', 'json', ...trustArgs])).stdout,
    );
    for (const [logicalId, resource] of Object.entries(
      root.Resources as Record<string, { Condition?: string; Properties?: { KeyPolicy?: unknown } }>,
    )) {
      // A resource under a condition the parameters decide false is not created, so not judged.
      if (resource.Condition !== undefined) continue;
      const policy = resource.Properties?.KeyPolicy;
      if (
        typeof policy !== 'object' ||
        policy === null ||
        JSON.stringify(policy).includes('"Fn::') ||
        JSON.stringify(policy).includes('"Ref"')
      )
        continue;
      const file = join(folder, `${logicalId}.json`);
      writeFileSync(file, JSON.stringify(policy));
      const direct = JSON.parse(
        (await cli(['check-policy', file, '--key-account', OWNER, '--format', 'json', ...trustArgs])).stdout,
      );
      const fromTemplate = report.keys.find((k) => k.resource === logicalId)?.findings ?? [];
      const strip = ({ line: _line, ...rest }: JsonFinding) => rest;
      assert.equal(fromTemplate.map(strip), direct.findings, `${template} ${logicalId}`);
    }
  }
});

command(
  'a folder: templates and plans in it and its subfolders are checked, other files skipped and counted',
  async () => {
    const folder = mkdtempSync(join(tmpdir(), 'check-iac-'));
    mkdirSync(join(folder, 'stacks', 'nested'), { recursive: true });
    mkdirSync(join(folder, 'node_modules', 'pkg'), { recursive: true });
    cpSync(iac('rule-page-template-repaired.yaml'), join(folder, 'stacks', 'kms.yaml'));
    cpSync(iac('terraform-rule-page-plan.json'), join(folder, 'stacks', 'nested', 'plan.json'));
    cpSync(iac('rule-page-template-repaired.json'), join(folder, 'node_modules', 'pkg', 'ignored.json'));
    writeFileSync(join(folder, 'package.json'), '{"name": "app", "version": "1.0.0"}');
    writeFileSync(join(folder, 'stacks', 'values.yml'), 'replicas: 3\nimage: app:1\n');
    writeFileSync(join(folder, 'notes.txt'), 'AWSTemplateFormatVersion is not read from a .txt file');
    const trust = ['--trust', '123123123123', '--trust', OWNER];
    const result = await cli(['check-iac', folder, '--format', 'json', ...trust]);
    const report = jsonOf(result.stdout);
    assert.equal(
      report.checked.map((c) => [c.file.slice(folder.length), c.kind]),
      [
        ['/stacks/kms.yaml', 'cloudformation'],
        ['/stacks/nested/plan.json', 'terraform-plan'],
      ],
    );
    assert.equal(
      report.skipped.map((f) => f.slice(folder.length)),
      ['/package.json', '/stacks/values.yml'],
    );
    assert.is(result.code, 0, result.stdout);
    const text = await cli(['check-iac', folder, ...trust]);
    assert.match(
      text.stdout,
      /^Checked 2 files \(1 CloudFormation template, 1 Terraform plan\); skipped 2 files that are neither\./,
    );
  },
);

command(
  'a file named on the command line that is no template, a bad option or value: exit 2, one line each',
  async () => {
    const folder = mkdtempSync(join(tmpdir(), 'check-iac-'));
    writeFileSync(join(folder, 'package.json'), '{"name": "app"}');
    const notTemplate = await cli(['check-iac', join(folder, 'package.json'), '--format', 'json']);
    assert.is(notTemplate.code, 2);
    assert.equal(
      jsonOf(notTemplate.stdout).errors.map((e) => e.code),
      ['not-a-template'],
    );
    for (const [args, message] of [
      [['--account', '1234'], /--account must be a 12-digit AWS account ID/],
      [['--parameter', 'no-equals'], /--parameter takes NAME=VALUE/],
      [['--format', 'xml'], /--format must be text or json or sarif/],
      [['--trust', 'nobody'], /invalid-trust-entry/],
    ] as const) {
      const result = await cli(['check-iac', iac('rule-page-template-repaired.yaml'), ...args]);
      assert.is(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
      assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    const missing = await cli(['check-iac', join(folder, 'absent.yaml')]);
    assert.is(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*absent\.yaml: no such file/);
  },
);

command('--parameter resolves a principal the template takes as a parameter', async () => {
  const template = [
    'Parameters:',
    '  Partner:',
    '    Type: String',
    'Resources:',
    '  Key:',
    '    Type: AWS::KMS::Key',
    '    Properties:',
    '      KeyPolicy:',
    '        Statement:',
    '          - Effect: Allow',
    '            Principal:',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a template literal
    '              AWS: !Sub arn:aws:iam::${Partner}:root',
    '            Action: kms:Decrypt',
    "            Resource: '*'",
    '',
  ].join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'check-iac-')), 'stack.yaml');
  writeFileSync(file, template);
  const unknown = jsonOf((await cli(['check-iac', file, '--format', 'json'])).stdout);
  assert.equal([...new Set(unknown.keys[0]?.notices.map((n) => n.code))], ['unresolvable']);
  const known = await cli(['check-iac', file, '--parameter', 'Partner=999999999999', '--format', 'json']);
  assert.is(known.code, 1);
  assert.equal(
    jsonOf(known.stdout).keys[0]?.findings.map((f) => [f.principal, f.line]),
    [['arn:aws:iam::999999999999:root', 10]],
  );
});

command('--format sarif over every fixture is SARIF 2.1.0 the official validator accepts', async () => {
  const result = await cli(['check-iac', new URL('../fixtures/iac/', import.meta.url).pathname, '--format', 'sarif']);
  assert.is(result.code, 2, 'the folder holds the broken rule page templates');
  const sarif = JSON.parse(result.stdout);
  assert.is(sarif.version, '2.1.0');
  const { everything } = await validateSarif({ everything: sarif });
  assert.equal(everything?.errors, []);
  const results = sarif.runs[0].results as { ruleId: string; level: string }[];
  assert.ok(results.some((r) => r.level === 'error' && r.ruleId.startsWith('KMS-006')));
});

command.run();
