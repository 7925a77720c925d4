// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not template literals
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readTemplate, templateKind } from '../../src/adapters/iac/read-template.js';
import { SentinelError } from '../../src/core/errors.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const read = (path: string) => readTemplate(path, fixture(path));

/** The 1-based line of the first line holding `text`. */
function lineOf(source: string, text: string): number {
  const index = source.split('\n').findIndex((line) => line.includes(text));
  if (index === -1) throw new Error(`no line holds ${text}`);
  return index + 1;
}

function refused(file: string, text: string, code: string, message: RegExp): SentinelError {
  try {
    readTemplate(file, text);
  } catch (error) {
    assert.instance(error, SentinelError);
    const e = error as SentinelError;
    assert.is(e.code, code, e.message);
    assert.match(e.message, message);
    return e;
  }
  assert.unreachable(`${file} was read`);
  throw new Error('unreachable');
}

const rulePage = suite("the rule page's CloudFormation templates, as published and repaired");

rulePage('its JSON policy, as printed: invalid JSON, naming the line of the missing comma', () => {
  const path = 'policies/rule-page-cloudformation-raw.json';
  const e = refused(path, fixture(path), 'invalid-json', /line 9, column 6: expected a comma/);
  assert.equal(e.position, { line: 9, column: 6 });
});

rulePage('its JSON policy with the comma added: two "AWS" keys in one Principal, both lines named', () => {
  const path = 'policies/rule-page-cloudformation-duplicate-aws.json';
  refused(
    path,
    fixture(path),
    'duplicate-key',
    /duplicate key "AWS" in Statement\[0\]\.Principal: first on line 8, again on line 9/,
  );
});

rulePage('its whole JSON template, as printed: invalid JSON at the "AWS" that follows the missing comma', () => {
  const text = fixture('iac/rule-page-template-raw.json');
  const missing = lineOf(text, '"AWS": "arn:aws:iam::123123123123:root"');
  const e = refused(
    'template.json',
    text,
    'invalid-json',
    new RegExp(`line ${missing + 1}, column \\d+: expected a comma`),
  );
  assert.is(e.position?.line, missing + 1);
});

rulePage('its whole JSON template with the comma added: a duplicate key, in the template path', () => {
  refused(
    'template.json',
    fixture('iac/rule-page-template-duplicate-aws.json'),
    'duplicate-key',
    /duplicate key "AWS" in Resources\.KMSKEY\.Properties\.KeyPolicy\.Statement\[0\]\.Principal: first on line 18, again on line 19/,
  );
});

rulePage('its YAML template, exactly as published (tabs, broken indentation): malformed YAML, with the line', () => {
  const text = fixture('iac/rule-page-template-raw.yaml');
  assert.ok(text.includes('\tResources:'), 'the fixture keeps the tabs as published');
  const e = refused(
    'template.yaml',
    text,
    'invalid-yaml',
    /^invalid YAML at line 2, column 1: Tabs are not allowed as indentation/,
  );
  assert.match(e.message, /replace the tabs/);
  assert.match(e.message, /more problems after it/);
  assert.equal(e.position, { line: 2, column: 1 });
});

rulePage('its YAML with the indentation fixed but "AWS" still twice: a duplicate key at the second one', () => {
  const text = fixture('iac/rule-page-template-indented-duplicate-aws.yaml');
  const second = lineOf(text, 'AWS: arn:aws:iam::123456789012:root');
  const e = refused('template.yaml', text, 'duplicate-key', /duplicate key "AWS".*merge them into a list/);
  assert.is(e.position?.line, second);
});

rulePage('repaired, in YAML and in JSON: the same template, with the line of each statement', () => {
  const yaml = read('iac/rule-page-template-repaired.yaml');
  const json = read('iac/rule-page-template-repaired.json');
  assert.equal(yaml.root, json.root);
  assert.is(templateKind(yaml.root), 'cloudformation');
  const statement = ['Resources', 'KMSKEY', 'Properties', 'KeyPolicy', 'Statement', 0];
  assert.is(yaml.lineOf(statement), lineOf(fixture('iac/rule-page-template-repaired.yaml'), 'Sid: Enable IAM User'));
  // The JSON is indented with tabs, as the page prints it; its lines are still known.
  assert.is(
    json.lineOf(statement),
    lineOf(fixture('iac/rule-page-template-repaired.json'), 'Sid": "Enable IAM User') - 1,
  );
  assert.is(yaml.lineOf([...statement.slice(0, -1), 9]), undefined);
});

const tags = suite('CloudFormation short forms in YAML become the long JSON forms');

tags('a template in short forms reads as its twin written in long forms, function for function', () => {
  const yaml = read('iac/cloudformation-intrinsics.yaml');
  const json = read('iac/cloudformation-intrinsics.json');
  assert.equal(yaml.root, json.root);
  const short = fixture('iac/cloudformation-intrinsics.yaml');
  for (const tag of [
    'Ref',
    'Sub',
    'GetAtt',
    'Join',
    'If',
    'Select',
    'Split',
    'FindInMap',
    'Equals',
    'And',
    'Or',
    'Not',
  ]) {
    assert.ok(short.includes(`!${tag} `), `the fixture uses !${tag}`);
  }
  for (const tag of ['Condition', 'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'Transform']) {
    assert.ok(short.includes(`!${tag} `), `the fixture uses !${tag}`);
  }
});

tags('each tag on a scalar, a sequence and a mapping; !GetAtt A.B splits at the first dot only', () => {
  const doc = readTemplate(
    'forms.yaml',
    [
      'Ref: !Ref Partner',
      'GetAttScalar: !GetAtt Database.Endpoint.Address',
      'GetAttList: !GetAtt [Role, Arn]',
      'SubScalar: !Sub "arn:aws:iam::${AWS::AccountId}:root"',
      'SubList: !Sub ["${A}", {A: !Ref B}]',
      'Join: !Join [",", [a, b]]',
      'If: !If [Cond, !Ref AWS::NoValue, x]',
      'Select: !Select [0, !Split [",", "a,b"]]',
      'FindInMap: !FindInMap [M, !Ref AWS::Region, K]',
      'Equals: !Equals [!Ref Env, prod]',
      'And: !And [!Condition A, !Not [!Condition B]]',
      'Or: !Or [!Condition A, !Condition B]',
      'Base64: !Base64 {"Fn::Sub": "x"}',
      'Cidr: !Cidr [10.0.0.0/16, 6, 5]',
      'GetAZs: !GetAZs ""',
      'ImportValue: !ImportValue {"Fn::Sub": "${Env}-account"}',
      'Transform: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}',
    ].join('\n'),
  );
  assert.equal(doc.root, {
    Ref: { Ref: 'Partner' },
    GetAttScalar: { 'Fn::GetAtt': ['Database', 'Endpoint.Address'] },
    GetAttList: { 'Fn::GetAtt': ['Role', 'Arn'] },
    SubScalar: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' },
    SubList: { 'Fn::Sub': ['${A}', { A: { Ref: 'B' } }] },
    Join: { 'Fn::Join': [',', ['a', 'b']] },
    If: { 'Fn::If': ['Cond', { Ref: 'AWS::NoValue' }, 'x'] },
    Select: { 'Fn::Select': [0, { 'Fn::Split': [',', 'a,b'] }] },
    FindInMap: { 'Fn::FindInMap': ['M', { Ref: 'AWS::Region' }, 'K'] },
    Equals: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
    And: { 'Fn::And': [{ Condition: 'A' }, { 'Fn::Not': [{ Condition: 'B' }] }] },
    Or: { 'Fn::Or': [{ Condition: 'A' }, { Condition: 'B' }] },
    Base64: { 'Fn::Base64': { 'Fn::Sub': 'x' } },
    Cidr: { 'Fn::Cidr': ['10.0.0.0/16', 6, 5] },
    GetAZs: { 'Fn::GetAZs': '' },
    ImportValue: { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-account' } },
    Transform: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
  });
  // The parts of a long form keep the lines of what they were written as.
  assert.is(doc.lineOf(['SubList', 'Fn::Sub', 1, 'A']), 5);
  assert.is(doc.lineOf(['GetAttScalar', 'Fn::GetAtt', 1]), 2);
});

tags('a tag CloudFormation does not know is refused with its line, naming the short forms it does know', () => {
  refused(
    't.yaml',
    'A: 1\nB: !Reff Partner\n',
    'invalid-yaml',
    /line 2, column 4: Unresolved tag: !Reff .*!Ref, !Condition, !Sub/,
  );
});

const yamlInput = suite('YAML input a template reader must not trust');

yamlInput('two documents in one file are refused', () => {
  refused('t.yaml', 'Resources: {}\n---\nResources: {}\n', 'invalid-yaml', /more than one YAML document/);
});

yamlInput(
  'anchors and aliases are read as the values they name, but a file that expands past a million values is refused',
  () => {
    const doc = readTemplate('t.yaml', 'A: &principal arn:aws:iam::111111111111:root\nB: [*principal]\n');
    assert.equal(doc.root, { A: 'arn:aws:iam::111111111111:root', B: ['arn:aws:iam::111111111111:root'] });
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'bcdefghij'[i - 1]}: &${'bcdefghij'[i - 1]} [${Array(10)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(', ')}]`,
      );
    refused('bomb.yaml', `${levels.join('\n')}\n`, 'invalid-yaml', /more than 1000000 values/);
  },
);

yamlInput('nesting deeper than any template is refused, in YAML and in JSON, without exhausting the stack', () => {
  refused('deep.yaml', `A: ${'['.repeat(100)}${']'.repeat(100)}\n`, 'invalid-yaml', /nested more than 64 levels deep/);
  refused('deeper.yaml', `A: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 'invalid-yaml', /nested too deeply/);
  refused(
    'deep.json',
    `{"A": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
    'invalid-json',
    /nested more than 64 levels/,
  );
});

yamlInput('"__proto__" is a key like any other, and a byte-order mark is not part of the text', () => {
  const doc = readTemplate('t.yaml', '\ufeff__proto__: {polluted: true}\nResources: {}\n');
  assert.equal(Object.keys(doc.root as object), ['__proto__', 'Resources']);
  assert.is(Object.getPrototypeOf(doc.root), Object.prototype);
});

yamlInput('JSON is told by its extension or its opening brace, and read by the strict JSON parser', () => {
  refused('t.template', '{"Resources": {}, "Resources": {}}', 'duplicate-key', /duplicate key "Resources"/);
  refused('t.json', 'Resources: {}', 'invalid-json', /line 1, column 1/);
  assert.equal(readTemplate('t.template', 'Resources: {}').root, { Resources: {} });
});

const kinds = suite('what a file is');

kinds(
  'a CloudFormation template has a Resources mapping; a plan has format_version and planned values or changes',
  () => {
    assert.is(templateKind({ Resources: {} }), 'cloudformation');
    assert.is(templateKind({ AWSTemplateFormatVersion: '2010-09-09', Resources: { K: {} } }), 'cloudformation');
    assert.is(templateKind({ format_version: '1.2', planned_values: {} }), 'terraform-plan');
    assert.is(templateKind({ format_version: '1.2', resource_changes: [] }), 'terraform-plan');
    for (const other of [
      { Version: '2012-10-17', Statement: [] },
      { Resources: [] },
      { format_version: '1.2' },
      { name: 'kms-sentinel', version: '0.1.0' },
      [],
      null,
      'Resources',
    ]) {
      assert.is(templateKind(other), undefined, JSON.stringify(other));
    }
  },
);

rulePage.run();
tags.run();
yamlInput.run();
kinds.run();
