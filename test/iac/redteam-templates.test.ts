// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation placeholders, not template literals
// Red-team round 21: keys a template makes through Fn::ForEach or a macro, and conditions decided by a Default the
// deployer can override, all of which check-iac once passed with exit status 0.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/cli.js';
import { validateSarif } from '../helpers/sarif.js';

const ACCOUNT = '111122223333';
const redteam = (name: string) => new URL(`../fixtures/iac/redteam/${name}`, import.meta.url).pathname;

interface Report {
  notices: { file: string; code: string; message: string; line: number | null; unjudged: boolean }[];
  keys: { resource: string; line: number | null; findings: { principal: string; line: number | null }[] }[];
  errors: { code: string; message: string; line: number | null }[];
}

async function check(file: string, ...args: string[]) {
  const result = await cli(['check-iac', file, '--account', ACCOUNT, '--format', 'json', ...args]);
  return { code: result.code, report: JSON.parse(result.stdout || '{}') as Report, stderr: result.stderr };
}

function template(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'check-iac-redteam-')), 'stack.yaml');
  writeFileSync(file, text);
  return file;
}

const loops = suite('Fn::ForEach and macros: never "0 keys judged" in silence');

loops(
  'Fn::ForEach over a literal list is expanded: each key judged under its own logical ID, at its line',
  async () => {
    const { code, report } = await check(redteam('foreach.yaml'));
    assert.is(code, 1);
    assert.equal(
      report.keys.map((k) => [k.resource, k.findings.map((f) => [f.principal, f.line])]),
      [
        ['AlphaKey', [['*', 12]]],
        ['BetaKey', [['*', 12]]],
      ],
    );
  },
);

loops('loops inside loops over a parameter list; ${X}, &{X} and !Ref X are replaced by each item', async () => {
  const { code, report } = await check(redteam('foreach-parameters.yaml'));
  assert.is(code, 1);
  assert.equal(
    report.keys.map((k) => k.resource),
    ['acme1DataKey', 'acme1LogsKey', 'globexDataKey', 'globexLogsKey'],
  );
  assert.ok(report.keys.every((k) => k.findings.map((f) => f.principal).join() === '444444444444'));
  const given = await check(redteam('foreach-parameters.yaml'), '--parameter', 'Tenants=initech');
  assert.equal(
    given.report.keys.map((k) => k.resource),
    ['initechDataKey', 'initechLogsKey'],
  );
});

loops('a loop that cannot be expanded and names a KMS type: the file cannot be checked (exit 2)', async () => {
  const { code, report } = await check(redteam('foreach-unexpandable.yaml'));
  assert.is(code, 2);
  assert.equal(
    report.errors.map((e) => [e.code, e.line]),
    [['unexpandable-loop', 4]],
  );
  assert.match(report.errors[0]?.message ?? '', /^Fn::ForEach::Keys loops over .*Fn::ImportValue.*AWS::KMS::/);
});

loops('a loop that cannot be expanded and names no KMS type: a notice, the exit status unchanged', async () => {
  const file = template(
    [
      'Resources:',
      '  Fn::ForEach::Buckets:',
      '    - Name',
      '    - !Split [",", !ImportValue names]',
      '    - ${Name}Bucket:',
      '        Type: AWS::S3::Bucket',
      '',
    ].join('\n'),
  );
  const { code, report } = await check(file);
  assert.is(code, 0);
  assert.equal(
    report.notices.map((n) => [n.code, n.line, n.unjudged]),
    [['unresolvable', 2, true]],
  );
  assert.is((await check(file, '--strict')).code, 2);
});

loops('a macro (Transform) is a template notice: the keys are judged as written, --strict fails', async () => {
  const { code, report } = await check(redteam('macro.yaml'));
  assert.is(code, 0);
  assert.equal(
    report.notices.map((n) => [n.code, n.line]),
    [['transform', 1]],
  );
  assert.match(report.notices[0]?.message ?? '', /^Transform MyCompanyMacro: .*--template-stage Processed/);
  assert.is(report.keys.length, 1);
  const text = await cli(['check-iac', redteam('macro.yaml'), '--account', ACCOUNT]);
  assert.match(text.stdout, /macro\.yaml:1 {2}notice \[transform\] Transform MyCompanyMacro/);
  assert.match(text.stdout, /1 template may make keys that could not be judged \(see notices\)\.\n$/);
  assert.is((await check(redteam('macro.yaml'), '--strict')).code, 2);
  const sarif = await cli(['check-iac', redteam('macro.yaml'), '--format', 'sarif']);
  const log = JSON.parse(sarif.stdout);
  assert.ok(log.runs[0].results.some((r: { ruleId: string }) => r.ruleId === 'notice/transform'));
  const { macro } = await validateSarif({ macro: log });
  assert.equal(macro?.errors, []);
});

const defaults = suite("a parameter's Default decides nothing its AllowedValues could turn");

defaults('Default "false" with AllowedValues [true, false]: both branches judged, said so', async () => {
  const { code, report } = await check(redteam('default-hides.yaml'));
  assert.is(code, 1);
  assert.equal(
    report.keys[0]?.findings.map((f) => f.principal),
    ['arn:aws:iam::999999999999:root'],
  );
  const said = (report.keys[0] as unknown as { notices: { message: string }[] }).notices.map((n) => n.message);
  assert.ok(
    said.some(
      (m) => /the Default of ShareWithVendor is not assumed/.test(m) && /--parameter ShareWithVendor=VALUE/.test(m),
    ),
    said.join('\n'),
  );
  assert.is((await check(redteam('default-hides.yaml'), '--parameter', 'ShareWithVendor=false')).code, 0);
  assert.is((await check(redteam('default-hides.yaml'), '--parameter', 'ShareWithVendor=true')).code, 1);
});

defaults('a Default no allowed value would overturn is still assumed', async () => {
  const file = template(
    [
      'Parameters:',
      '  Tier: {Type: String, Default: gold, AllowedValues: [gold, silver]}',
      'Conditions:',
      '  Bronze: !Equals [!Ref Tier, bronze]',
      'Resources:',
      '  Key:',
      '    Type: AWS::KMS::Key',
      '    Properties:',
      '      KeyPolicy:',
      '        Statement:',
      `          - {Effect: Allow, Principal: {AWS: "${ACCOUNT}"}, Action: "kms:*", Resource: "*"}`,
      '          - !If [Bronze, {Effect: Allow, Principal: {AWS: "999999999999"}, Action: "kms:*", Resource: "*"}, !Ref AWS::NoValue]',
      '',
    ].join('\n'),
  );
  const { code, report } = await check(file);
  assert.is(code, 0);
  assert.equal(report.keys[0]?.findings, []);
  assert.equal((report.keys[0] as unknown as { notices: unknown[] }).notices, [], 'decided, and nothing to say');
});

defaults('--parameter naming no declared parameter (case-sensitive) or a value not allowed: exit 2', async () => {
  const typo = await cli(['check-iac', redteam('default-hides.yaml'), '--parameter', 'sharewithvendor=true']);
  assert.is(typo.code, 2);
  assert.is(typo.stdout, '');
  assert.match(
    typo.stderr,
    /--parameter "sharewithvendor": no template checked declares a parameter of that name \(names are case-sensitive\); .*default-hides\.yaml declares: ShareWithVendor \[usage\]/,
  );
  const outside = await check(redteam('default-hides.yaml'), '--parameter', 'ShareWithVendor=maybe');
  assert.is(outside.code, 2);
  assert.equal(
    outside.report.errors.map((e) => [e.code, e.line]),
    [['parameter-not-allowed', 5]],
  );
  assert.match(
    outside.report.errors[0]?.message ?? '',
    /"maybe" is not among the values parameter ShareWithVendor allows/,
  );
});

loops.run();
defaults.run();
