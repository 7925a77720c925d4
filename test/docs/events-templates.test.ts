import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACCESS_CHANGING_EVENTS } from '../../src/core/events/key-event.js';
import {
  evaluate,
  intrinsic,
  PSEUDO_PARAMETERS,
  parseTemplate,
  subReferences,
  type Template,
  walk,
} from '../helpers/cloudformation.js';

const events = suite('deploy/events-*.yml: the templates that bring KMS changes to the events queue');

const read = (name: string) => readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8');
const member = parseTemplate(read('events-member.yml'));
const security = parseTemplate(read('events-security.yml'));

const EVENT_NAMES = [
  'PutKeyPolicy',
  'CreateGrant',
  'RetireGrant',
  'RevokeGrant',
  'CreateKey',
  'ReplicateKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'EnableKey',
  'DisableKey',
  'UpdatePrimaryRegion',
];
const PATTERN = {
  source: ['aws.kms'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['kms.amazonaws.com'],
    eventName: EVENT_NAMES,
    errorCode: [{ exists: false }],
  },
};

const BUS = 'arn:aws:events:eu-west-1:222222222222:event-bus/kms-sentinel-events';
const ORG = 'o-abcdef1234';
const CONSUMER = 'arn:aws:iam::222222222222:role/kms-sentinel';

const matches = (t: Template, parameter: string, value: string) =>
  new RegExp(`^(?:${t.Parameters?.[parameter]?.AllowedPattern ?? ''})$`).test(value);

type Resource = { Type: string; Properties?: Record<string, unknown> };
const only = (resources: Record<string, Resource>, type: string): Record<string, unknown> => {
  const found = Object.values(resources).filter((r) => r.Type === type);
  assert.is(found.length, 1, `one ${type}`);
  return found[0]?.Properties ?? {};
};
const byId = (resources: Record<string, Resource>, id: string): Record<string, unknown> => {
  assert.ok(resources[id] !== undefined, `a resource ${id}`);
  return resources[id]?.Properties ?? {};
};

interface Statement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const statements = (policy: Record<string, unknown>) => (policy.PolicyDocument as { Statement: Statement[] }).Statement;

for (const [file, t] of [
  ['events-member.yml', member],
  ['events-security.yml', security],
] as const) {
  const parameters = Object.keys(t.Parameters ?? {});
  const resources = Object.keys(t.Resources);
  const conditions = Object.keys(t.Conditions ?? {});

  events(`${file}: every Ref, Fn::Sub and Fn::GetAtt names something; every parameter and condition is used`, () => {
    assert.is(t.AWSTemplateFormatVersion, '2010-09-09');
    assert.ok((t.Description?.length ?? 0) > 0 && (t.Description?.length ?? 0) <= 1024, 'a short description');
    const known = new Set([...parameters, ...resources, ...PSEUDO_PARAMETERS]);
    const used = new Set<string>();
    const usedConditions = new Set<string>();
    for (const r of Object.values(t.Resources)) if (r.Condition !== undefined) usedConditions.add(r.Condition);
    for (const [path, node] of walk(t)) {
      const call = intrinsic(node);
      if (call === undefined) continue;
      const [name, args] = call;
      if (name === 'Ref') {
        assert.ok(known.has(args as string), `${path}: Ref ${String(args)} names nothing`);
        used.add(args as string);
      } else if (name === 'Fn::Sub') {
        for (const ref of subReferences(args as string)) {
          assert.ok(known.has(ref), `${path}: \${${ref}} names nothing`);
          used.add(ref);
        }
      } else if (name === 'Fn::GetAtt') {
        const [resource] = args as [string, string];
        assert.ok(resources.includes(resource), `${path}: Fn::GetAtt on ${resource}, which is no resource`);
      } else if (name === 'Fn::If') {
        const [condition] = args as [string];
        assert.ok(conditions.includes(condition), `${path}: no condition ${condition}`);
        usedConditions.add(condition);
      }
    }
    for (const p of parameters) assert.ok(used.has(p), `parameter ${p} is never used`);
    assert.equal([...usedConditions].sort(), [...conditions].sort(), 'every condition defined is used');
    for (const [name, p] of Object.entries(t.Parameters ?? {})) {
      if (p.Default !== undefined && p.AllowedPattern !== undefined) {
        assert.ok(matches(t, name, p.Default), `${name}: its default is allowed`);
      }
    }
  });
}

events('events-member.yml: the rule on the default bus matches exactly the KMS calls kms-sentinel reads again', () => {
  const { resources } = evaluate(member, { CentralBusArn: BUS });
  const rule = only(resources, 'AWS::Events::Rule');
  assert.is(rule.EventBusName, 'default');
  assert.is(rule.State, 'ENABLED');
  assert.equal(rule.EventPattern, PATTERN);
  const names = (rule.EventPattern as typeof PATTERN).detail.eventName;
  assert.equal([...names].sort(), [...ACCESS_CHANGING_EVENTS].sort(), 'the calls the consumer understands');
  assert.equal(
    (rule.EventPattern as typeof PATTERN).detail.errorCode,
    [{ exists: false }],
    'failed calls are left out',
  );
});

events(
  'events-member.yml: the target is the central bus, reached through a role that may only put events on it',
  () => {
    const { resources, outputs } = evaluate(member, { CentralBusArn: BUS });
    const targets = only(resources, 'AWS::Events::Rule').Targets as Record<string, unknown>[];
    assert.is(targets.length, 1);
    assert.equal(targets[0], { Id: 'kms-sentinel-central-bus', Arn: BUS, RoleArn: '<ForwardRole.Arn>' });
    assert.equal(
      (member.Resources.KmsChangesRule?.Properties?.Targets as unknown[] | undefined)?.[0],
      {
        Id: 'kms-sentinel-central-bus',
        Arn: { Ref: 'CentralBusArn' },
        RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] },
      },
      'the target is the CentralBusArn parameter itself',
    );
    const role = byId(resources, 'ForwardRole');
    assert.is(role.RoleName, undefined, 'CloudFormation names it: the stack is deployed once per region');
    assert.equal(role.AssumeRolePolicyDocument, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    const policies = role.Policies as { PolicyDocument: { Statement: Statement[] } }[];
    assert.is(policies.length, 1);
    assert.equal(policies[0]?.PolicyDocument.Statement, [
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS },
    ]);
    assert.is(Object.keys(resources).length, 2, 'nothing but the rule and its role');
    assert.equal(outputs, { RuleArn: '<KmsChangesRule.Arn>', ForwardRoleArn: '<ForwardRole.Arn>' });
  },
);

events('events-member.yml: CentralBusArn must be an event bus ARN', () => {
  for (const ok of [
    BUS,
    'arn:aws-us-gov:events:us-gov-west-1:222222222222:event-bus/kms_sentinel',
    'arn:aws-cn:events:cn-north-1:222222222222:event-bus/kms-sentinel-events',
  ]) {
    assert.ok(matches(member, 'CentralBusArn', ok), ok);
  }
  for (const bad of [
    '',
    'kms-sentinel-events',
    'arn:aws:events:eu-west-1:222222222222:rule/kms-sentinel-events',
    'arn:aws:sqs:eu-west-1:222222222222:kms-sentinel-events',
    'arn:aws:events:eu-west-1:2222:event-bus/kms-sentinel-events',
    'arn:aws:events:eu-west-1:222222222222:event-bus/',
    'arn:aws:events:eu-west-1:222222222222:event-bus/a b',
  ]) {
    assert.not.ok(matches(member, 'CentralBusArn', bad), bad);
  }
  assert.is(member.Parameters?.CentralBusArn?.Default, undefined, 'no default: it is the security account bus');
});

events('events-security.yml: only accounts of the organization may put events on the bus', () => {
  const { resources, outputs } = evaluate(security, { OrganizationId: ORG });
  assert.is(byId(resources, 'CentralBus').Name, 'kms-sentinel-events', 'the default name');
  const policy = only(resources, 'AWS::Events::EventBusPolicy');
  assert.is(policy.EventBusName, '<CentralBus.Name>');
  assert.equal(policy.Statement, {
    Effect: 'Allow',
    Principal: '*',
    Action: 'events:PutEvents',
    Resource: '<CentralBus.Arn>',
    Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
  });
  assert.is(outputs.BusArn, '<CentralBus.Arn>');
  for (const ok of [ORG, `o-${'a1'.repeat(16)}`]) assert.ok(matches(security, 'OrganizationId', ok), ok);
  for (const bad of ['', 'o-abc', 'o-ABCDEF1234', 'r-abcd', '111111111111', `o-${'a'.repeat(33)}`]) {
    assert.not.ok(matches(security, 'OrganizationId', bad), bad);
  }
  assert.is(security.Parameters?.OrganizationId?.Default, undefined, 'no default: every organization its own');
});

events('events-security.yml: the rule on the bus sends the same KMS calls to the queue, with no role', () => {
  const { resources } = evaluate(security, { OrganizationId: ORG });
  const rule = only(resources, 'AWS::Events::Rule');
  assert.is(rule.EventBusName, '<CentralBus.Name>');
  assert.equal(rule.EventPattern, PATTERN);
  assert.equal(rule.Targets, [{ Id: 'kms-sentinel-queue', Arn: '<EventsQueue.Arn>' }]);
});

events('events-security.yml: the queue is encrypted, and gives up on a message after 10 receives', () => {
  const { resources, outputs } = evaluate(security, { OrganizationId: ORG, BusName: 'kms-events' });
  const queue = byId(resources, 'EventsQueue');
  assert.is(queue.QueueName, 'kms-events');
  assert.is(queue.SqsManagedSseEnabled, true);
  assert.is(queue.KmsMasterKeyId, undefined, 'SSE-SQS: EventBridge needs no key policy');
  assert.is(queue.VisibilityTimeout, 60);
  assert.is(queue.MessageRetentionPeriod, 4 * 24 * 3600);
  const redrive = queue.RedrivePolicy as { deadLetterTargetArn: string; maxReceiveCount: number };
  assert.is(redrive.deadLetterTargetArn, '<DeadLetterQueue.Arn>');
  assert.ok(redrive.maxReceiveCount >= 10, 'above the consumer reading a key again up to about 6 times');

  const dead = byId(resources, 'DeadLetterQueue');
  assert.is(dead.QueueName, 'kms-events-dead-letter');
  assert.is(dead.SqsManagedSseEnabled, true);
  assert.is(dead.MessageRetentionPeriod, 14 * 24 * 3600);
  assert.equal(dead.RedriveAllowPolicy, {
    redrivePermission: 'byQueue',
    sourceQueueArns: ['arn:aws:sqs:us-east-1:111111111111:kms-events'],
  });
  assert.equal(outputs, {
    QueueUrl: '<EventsQueue>',
    QueueArn: '<EventsQueue.Arn>',
    DeadLetterQueueUrl: '<DeadLetterQueue>',
    BusArn: '<CentralBus.Arn>',
  });
  for (const ok of ['kms-sentinel-events', 'a', 'A_b-9', 'x'.repeat(64)])
    assert.ok(matches(security, 'BusName', ok), ok);
  // A queue name is at most 80 characters (the dead-letter queue's adds 12) and has no dot.
  for (const bad of ['', 'x'.repeat(65), 'kms.events', 'kms/events', 'a b']) {
    assert.not.ok(matches(security, 'BusName', bad), bad);
  }
});

events(
  'events-security.yml: EventBridge may send to the queue only for the rule, and no one else may by default',
  () => {
    const { resources } = evaluate(security, { OrganizationId: ORG });
    const policies = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::QueuePolicy');
    assert.equal(
      policies.map(([id]) => id),
      ['EventsQueuePolicy'],
      'no dead-letter queue policy',
    );
    const policy = byId(resources, 'EventsQueuePolicy');
    assert.equal(policy.Queues, ['<EventsQueue>']);
    assert.equal(statements(policy), [
      {
        Sid: 'TheRuleSendsEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: '<EventsQueue.Arn>',
        Condition: { ArnEquals: { 'aws:SourceArn': '<KmsChangesRule.Arn>' } },
      },
    ]);
  },
);

events('events-security.yml: with ConsumerRoleArn, that role may receive, delete, retry and count', () => {
  const { resources } = evaluate(security, { OrganizationId: ORG, ConsumerRoleArn: CONSUMER });
  const main = statements(byId(resources, 'EventsQueuePolicy'));
  assert.is(main.length, 2);
  assert.equal(main[0]?.Principal, { Service: 'events.amazonaws.com' });
  assert.equal(main[0]?.Condition, { ArnEquals: { 'aws:SourceArn': '<KmsChangesRule.Arn>' } });
  assert.equal(main[1], {
    Sid: 'KmsSentinelConsumes',
    Effect: 'Allow',
    Principal: { AWS: CONSUMER },
    Action: [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
    ],
    Resource: '<EventsQueue.Arn>',
  });
  const dead = byId(resources, 'DeadLetterQueuePolicy');
  assert.equal(dead.Queues, ['<DeadLetterQueue>']);
  assert.equal(statements(dead), [
    {
      Sid: 'KmsSentinelCountsDeadLetters',
      Effect: 'Allow',
      Principal: { AWS: CONSUMER },
      Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      Resource: '<DeadLetterQueue.Arn>',
    },
  ]);
  for (const ok of ['', CONSUMER, 'arn:aws-us-gov:iam::222222222222:role/service/kms-sentinel']) {
    assert.ok(matches(security, 'ConsumerRoleArn', ok), ok);
  }
  for (const bad of ['kms-sentinel', 'arn:aws:sts::222222222222:assumed-role/kms-sentinel/s', '*']) {
    assert.not.ok(matches(security, 'ConsumerRoleArn', bad), bad);
  }
});

events('the member template reaches the bus the security template makes, under its default name', () => {
  const name = security.Parameters?.BusName?.Default ?? '';
  assert.ok(matches(member, 'CentralBusArn', `arn:aws:events:us-east-1:111111111111:event-bus/${name}`));
  assert.ok(matches(member, 'CentralBusArn', `arn:aws:events:us-east-1:111111111111:event-bus/${'x'.repeat(64)}`));
});

events.run();
