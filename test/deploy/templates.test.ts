import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AWS_CALLS, auditRolePolicy, type PolicyFeatures, scannerPolicy } from '../../src/adapters/aws/permissions.js';
import { configSchema, externalIdSchema, roleNameSchema } from '../../src/config/schema.js';
import {
  evaluate,
  intrinsic,
  PSEUDO_PARAMETERS,
  parseTemplate,
  SHORT_FORM_TAGS,
  subReferences,
  type Template,
  walk,
} from '../helpers/cloudformation.js';

const templates = suite('deploy/: the CloudFormation templates');

const read = (name: string) => readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8');
const FILES = ['audit-role.yml', 'scanner-permissions.yml'] as const;
const parsed = Object.fromEntries(FILES.map((f) => [f, parseTemplate(read(f))])) as Record<
  (typeof FILES)[number],
  Template
>;
const audit = parsed['audit-role.yml'];
const scanner = parsed['scanner-permissions.yml'];

const SECTIONS = [
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
];
const IAM_TYPES = [
  'AWS::IAM::Role',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::RolePolicy',
  'AWS::IAM::InstanceProfile',
];
const PARAMETER_TYPES = ['String', 'Number', 'CommaDelimitedList', 'List<Number>', 'AWS::AccountId'];
const DEFAULT_ROLE_NAME = configSchema.parse({}).roleName;

/** Every feature a template covers: it is deployed once for all the configs it serves. */
const everything = (remediation: boolean, roleName = DEFAULT_ROLE_NAME, partition = 'aws'): PolicyFeatures => ({
  remediation,
  allRegions: true,
  organization: true,
  roleName,
  roleArns: [],
  partition,
});

templates('the parser knows every short form, and refuses an unknown tag or a tag on the wrong node', () => {
  assert.equal(
    parseTemplate(
      [
        'a: !Ref X',
        `b: !Sub "x-\${X}"`,
        `c: !Sub ["\${Y}", { Y: !Ref X }]`,
        'd: !GetAtt R.Arn',
        'e: !If [C, !Ref X, !Ref AWS::NoValue]',
        'f: !Not [!Equals [!Ref X, ""]]',
        'g: !And [!Condition C, !Or [!Condition D, !Condition E]]',
        'h: !Join ["", [!Select [0, !Split [",", !ImportValue Shared]], !FindInMap [M, K, V]]]',
        `i: !Base64 { "Fn::Sub": "\${X}" }`,
        'j: !Cidr [!Select [0, !GetAZs ""], 6, 5]',
      ].join('\n'),
    ),
    {
      a: { Ref: 'X' },
      b: { 'Fn::Sub': `x-\${X}` },
      c: { 'Fn::Sub': [`\${Y}`, { Y: { Ref: 'X' } }] },
      d: { 'Fn::GetAtt': ['R', 'Arn'] },
      e: { 'Fn::If': ['C', { Ref: 'X' }, { Ref: 'AWS::NoValue' }] },
      f: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'X' }, ''] }] },
      g: { 'Fn::And': [{ Condition: 'C' }, { 'Fn::Or': [{ Condition: 'D' }, { Condition: 'E' }] }] },
      h: {
        'Fn::Join': [
          '',
          [
            { 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::ImportValue': 'Shared' }] }] },
            { 'Fn::FindInMap': ['M', 'K', 'V'] },
          ],
        ],
      },
      i: { 'Fn::Base64': { 'Fn::Sub': `\${X}` } },
      j: { 'Fn::Cidr': [{ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, 6, 5] },
    },
  );
  assert.is(SHORT_FORM_TAGS.length, 17);
  assert.throws(() => parseTemplate('a: !Reference X'), /Unresolved tag: !Reference/);
  assert.throws(() => parseTemplate('a: !If C'), /Unresolved tag: !If/);
  assert.throws(() => parseTemplate('a: !Ref [X]'), /Unresolved tag: !Ref/);
  assert.throws(() => parseTemplate('a: 1\na: 2'), /unique/);
});

for (const file of FILES) {
  const t = parsed[file];
  const parameters = Object.keys(t.Parameters ?? {});
  const resources = Object.keys(t.Resources);
  const conditions = Object.keys(t.Conditions ?? {});

  templates(`${file}: a template's sections, parameter types and IAM resource types`, () => {
    assert.is(t.AWSTemplateFormatVersion, '2010-09-09');
    assert.type(t.Description, 'string');
    assert.ok((t.Description?.length ?? 0) <= 1024, 'a template description is at most 1024 bytes');
    for (const section of Object.keys(t)) assert.ok(SECTIONS.includes(section), `unknown section ${section}`);
    assert.ok(resources.length > 0);
    for (const [id, r] of Object.entries(t.Resources)) {
      assert.ok(/^[A-Za-z0-9]+$/.test(id), `${id}: logical IDs are alphanumeric`);
      assert.ok(IAM_TYPES.includes(r.Type), `${id}: ${r.Type} is not a known IAM resource type`);
    }
    for (const [name, p] of Object.entries(t.Parameters ?? {})) {
      assert.ok(PARAMETER_TYPES.includes(p.Type), `${name}: parameter type ${p.Type}`);
      assert.ok(!resources.includes(name), `${name} is both a parameter and a resource`);
      if (p.Default !== undefined && p.AllowedValues !== undefined) {
        assert.ok(p.AllowedValues.includes(p.Default), `${name}: its default is not an allowed value`);
      }
      if (p.Default !== undefined && p.AllowedPattern !== undefined && p.Default !== '') {
        assert.match(p.Default, new RegExp(`^(?:${p.AllowedPattern})$`), `${name}: default vs AllowedPattern`);
      }
    }
  });

  templates(`${file}: every Ref, Fn::Sub and Fn::GetAtt names a parameter, a resource or a pseudo parameter`, () => {
    const known = new Set([...parameters, ...resources, ...PSEUDO_PARAMETERS]);
    const used = new Set<string>();
    for (const [path, node] of walk(t)) {
      const call = intrinsic(node);
      if (call === undefined) continue;
      const [name, args] = call;
      if (name === 'Ref') {
        assert.type(args, 'string', path);
        assert.ok(known.has(args as string), `${path}: Ref ${String(args)} names nothing`);
        if (path.startsWith('.Conditions')) {
          assert.ok(parameters.includes(args as string), `${path}: a condition may only refer to parameters`);
        }
        used.add(args as string);
      } else if (name === 'Fn::Sub') {
        const [text, vars] = Array.isArray(args) ? (args as [string, Record<string, unknown>]) : [args, {}];
        assert.type(text, 'string', path);
        for (const ref of subReferences(text as string)) {
          const [resource, attribute] = ref.split('.');
          const ok =
            Object.hasOwn(vars, ref) ||
            known.has(ref) ||
            (attribute !== undefined && resource !== undefined && resources.includes(resource));
          assert.ok(ok, `${path}: \${${ref}} names nothing`);
          used.add(ref);
        }
      } else if (name === 'Fn::GetAtt') {
        const [resource, attribute] = args as [string, string];
        assert.ok(resources.includes(resource), `${path}: Fn::GetAtt on ${resource}, which is no resource`);
        assert.type(attribute, 'string');
      }
    }
    for (const p of parameters) assert.ok(used.has(p), `parameter ${p} is never used`);
  });

  templates(`${file}: every condition used is defined, and every condition defined is used`, () => {
    const used = new Set<string>();
    const use = (name: unknown, where: string) => {
      assert.type(name, 'string', where);
      assert.ok(conditions.includes(name as string), `${where}: no condition ${String(name)}`);
      used.add(name as string);
    };
    for (const [id, r] of Object.entries(t.Resources)) if (r.Condition !== undefined) use(r.Condition, id);
    for (const [id, o] of Object.entries(t.Outputs ?? {})) if (o.Condition !== undefined) use(o.Condition, id);
    for (const [path, node] of walk(t)) {
      const call = intrinsic(node);
      if (call?.[0] === 'Fn::If') {
        assert.ok(!path.startsWith('.Conditions'), `${path}: Fn::If in a condition`);
        use((call[1] as unknown[])[0], path);
      }
      if (call?.[0] === 'Condition' && path.startsWith('.Conditions')) use(call[1], path);
    }
    assert.equal([...used].sort(), [...conditions].sort());
  });

  templates(
    `${file}: EnableRemediation is 'false' or 'true', 'false' unless given; RoleName defaults as the config`,
    () => {
      assert.equal(t.Parameters?.EnableRemediation, {
        ...t.Parameters?.EnableRemediation,
        Type: 'String',
        AllowedValues: ['false', 'true'],
        Default: 'false',
      });
      const role = t.Parameters?.RoleName;
      assert.is(role?.Default, DEFAULT_ROLE_NAME);
      for (const name of ['KmsSentinelAudit', 'a', 'A+=,.@_-9', 'x'.repeat(64), '', 'x'.repeat(65), 'a b', 'a/b']) {
        const template = (name.length >= (role?.MinLength ?? 0) &&
          name.length <= (role?.MaxLength ?? Number.POSITIVE_INFINITY) &&
          new RegExp(`^(?:${role?.AllowedPattern ?? '.*'})$`).test(name)) as boolean;
        assert.is(template, roleNameSchema.safeParse(name).success, `role name ${JSON.stringify(name)}`);
      }
    },
  );
}

templates('audit-role.yml: the parameters, with ExternalId secret and held to the rules the config holds it to', () => {
  assert.equal(Object.keys(audit.Parameters ?? {}).sort(), [
    'EnableRemediation',
    'ExternalId',
    'RoleName',
    'ScannerPrincipalArn',
  ]);
  const id = audit.Parameters?.ExternalId;
  assert.is(id?.NoEcho, true);
  assert.is(id?.Default, undefined, 'no default: every deployment chooses its own');
  const min = id?.MinLength ?? 0;
  const max = id?.MaxLength ?? Number.POSITIVE_INFINITY;
  assert.ok(externalIdSchema.safeParse('a'.repeat(min)).success, 'MinLength is long enough for the config');
  assert.not.ok(externalIdSchema.safeParse('a'.repeat(min - 1)).success, 'MinLength is the config minimum');
  assert.ok(externalIdSchema.safeParse('a'.repeat(max)).success, 'MaxLength is short enough for the config');
  assert.not.ok(externalIdSchema.safeParse('a'.repeat(max + 1)).success, 'MaxLength is the config maximum');
  const pattern = new RegExp(`^(?:${id?.AllowedPattern ?? '.*'})$`);
  for (const sample of ['k9s-ext:id/1', 'A+=,.@:/_-z', 'has space', 'semi;colon', 'ünïcode', 'quote"']) {
    assert.is(pattern.test(sample), externalIdSchema.safeParse(sample).success, `external ID ${sample}`);
  }
  const principal = new RegExp(`^(?:${audit.Parameters?.ScannerPrincipalArn?.AllowedPattern ?? ''})$`);
  for (const ok of [
    'arn:aws:iam::111111111111:role/KmsSentinel',
    'arn:aws:iam::111111111111:role/service/kms-sentinel',
    'arn:aws-us-gov:iam::111111111111:root',
    'arn:aws:iam::111111111111:user/scanner',
  ]) {
    assert.ok(principal.test(ok), ok);
  }
  for (const bad of ['111111111111', 'arn:aws:sts::111111111111:assumed-role/R/s', '*', 'arn:aws:iam::1:root']) {
    assert.not.ok(principal.test(bad), bad);
  }
});

const PRINCIPAL = 'arn:aws:iam::999999999999:role/KmsSentinel';
const auditRole = (parameters: Record<string, string>) => {
  const { resources, outputs } = evaluate(audit, { ScannerPrincipalArn: PRINCIPAL, ExternalId: 'x-1', ...parameters });
  const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
  assert.is(roles.length, 1, 'one role');
  assert.is(Object.keys(resources).length, 1, 'nothing but the role');
  return { role: roles[0]?.Properties as Record<string, unknown>, outputs };
};

templates('audit-role.yml: the role trusts the scanner only with the external ID, under the configured name', () => {
  const { role, outputs } = auditRole({ RoleName: 'Audit' });
  assert.is(role.RoleName, 'Audit');
  assert.equal(role.AssumeRolePolicyDocument, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: PRINCIPAL },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } },
      },
    ],
  });
  assert.equal(outputs, { RoleArn: '<AuditRole.Arn>' });
});

for (const remediation of [false, true]) {
  templates(`audit-role.yml, EnableRemediation=${remediation}: its policy is exactly auditRolePolicy's`, () => {
    const { role } = auditRole({ EnableRemediation: String(remediation) });
    const policies = role.Policies as { PolicyName: string; PolicyDocument: unknown }[];
    assert.is(role.ManagedPolicyArns, undefined, 'no managed policy beside its own');
    assert.is(policies.length, 1);
    assert.equal(policies[0]?.PolicyDocument, auditRolePolicy(everything(remediation)));
    const document = policies[0]?.PolicyDocument as { Statement: { Action: string[] }[] };
    const actions = document.Statement.flatMap((s) => s.Action);
    assert.is(actions.includes('kms:PutKeyPolicy'), remediation);
    assert.is(actions.includes('kms:RevokeGrant'), remediation);
  });

  for (const roleName of [DEFAULT_ROLE_NAME, 'OtherAudit']) {
    templates(
      `scanner-permissions.yml, EnableRemediation=${remediation}, RoleName=${roleName}: exactly scannerPolicy's`,
      () => {
        const { resources, outputs } = evaluate(scanner, {
          EnableRemediation: String(remediation),
          RoleName: roleName,
        });
        const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy');
        assert.is(Object.keys(resources).length, 1);
        assert.is(policies.length, 1);
        const policy = policies[0]?.Properties as Record<string, unknown>;
        assert.equal(policy.PolicyDocument, scannerPolicy(everything(remediation, roleName)));
        assert.is(policy.Roles, undefined, 'attached to no role unless ScannerRoleName is given');
        assert.equal(outputs, { PolicyArn: '<ScannerPolicy>' });
      },
    );
  }
}

templates(
  'scanner-permissions.yml: attached to ScannerRoleName when given; AssumeRole in the partition deployed in',
  () => {
    const { resources } = evaluate(
      scanner,
      { ScannerRoleName: 'kms-sentinel-task' },
      { 'AWS::Partition': 'aws-us-gov' },
    );
    const policy = Object.values(resources)[0]?.Properties as {
      Roles: string[];
      PolicyDocument: { Statement: { Sid: string; Resource: unknown }[] };
    };
    assert.equal(policy.Roles, ['kms-sentinel-task']);
    assert.equal(policy.PolicyDocument, scannerPolicy(everything(false, DEFAULT_ROLE_NAME, 'aws-us-gov')));
    assert.equal(policy.PolicyDocument.Statement.find((s) => s.Sid === 'AssumeTheAuditRole')?.Resource, [
      'arn:aws-us-gov:iam::*:role/KmsSentinelAudit',
    ]);
  },
);

templates('between them the templates grant every permission the AWS calls need, and nothing else', () => {
  const actions = new Set<string>();
  for (const t of [audit, scanner]) {
    const { resources } = evaluate(t, {
      EnableRemediation: 'true',
      ...(t === audit ? { ScannerPrincipalArn: PRINCIPAL, ExternalId: 'x-1' } : { EnableSecurityHub: 'true' }),
    });
    for (const [, node] of walk(resources)) {
      const statements = (node as { Statement?: unknown })?.Statement;
      if (!Array.isArray(statements)) continue;
      for (const s of statements as { Action: string | string[] }[]) {
        for (const a of [s.Action].flat()) actions.add(a);
      }
    }
  }
  // The events queue's permissions are granted to the scanner's role by the queue policies of the security
  // account's template (ConsumerRoleArn): only those statements count, not EventBridge's own.
  const consumer = 'arn:aws:iam::111111111111:role/KmsSentinelScanner';
  const events = parseTemplate(read('events-security.yml'));
  const { resources } = evaluate(events, { ConsumerRoleArn: consumer, OrganizationId: 'o-abcdefghij' });
  for (const [, node] of walk(resources)) {
    const statements = (node as { Statement?: unknown })?.Statement;
    if (!Array.isArray(statements)) continue;
    for (const s of statements as { Action: string | string[]; Principal?: unknown }[]) {
      if (JSON.stringify(s.Principal ?? null).includes(consumer)) for (const a of [s.Action].flat()) actions.add(a);
    }
  }
  // sts:AssumeRole appears in the trust policy too; sts:GetCallerIdentity needs no permission.
  const needed = new Set(AWS_CALLS.map((c) => c.action).filter((a) => a !== 'sts:GetCallerIdentity'));
  assert.equal([...actions].sort(), [...needed].sort());
});

templates.run();
