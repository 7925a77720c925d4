import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { messageOf } from '../../src/core/errors.js';
import { judgeIacKey } from '../../src/core/iac/judge.js';
import { isTerraformPlan, terraformPlanKeys } from '../../src/core/iac/terraform-plan.js';
import type { IacContext, IacKey } from '../../src/core/iac/types.js';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parseStrictJson } from '../../src/core/policy/json-text.js';
import { parseTrustEntry } from '../../src/core/trust.js';

type Plan = Record<string, unknown> & { resource_changes: Record<string, unknown>[] };

/** A plan fixture, as `terraform show -json plan.out` prints it. */
function plan(name: string): Plan {
  return JSON.parse(readFileSync(new URL(`../fixtures/iac/terraform-${name}-plan.json`, import.meta.url), 'utf8'));
}

const NO_ACCOUNT: IacContext = { account: undefined, parameters: new Map() };

function keysOf(root: unknown, context: IacContext = NO_ACCOUNT): IacKey[] {
  return terraformPlanKeys('plan.json', root, context);
}

function keyAt(keys: readonly IacKey[], address: string): IacKey {
  const key = keys.find((k) => k.resource === address);
  if (key === undefined) throw new Error(`no key at ${address}: ${keys.map((k) => k.resource).join(', ')}`);
  return key;
}

const MODULE_KEYS = [
  'aws_kms_key.audit',
  'aws_kms_key.logs',
  'module.storage.aws_kms_key.data',
  'module.storage.module.backup.aws_kms_key.vault',
  'module.storage.module.backup.aws_kms_key_policy.vault',
  'module.tenant["acme"].aws_kms_key.this',
];

const rulePage = suite("the rule page's Terraform example, planned with its two principals in one list");

rulePage('the key, its policy known at plan time, parsed from the JSON string the provider plans', () => {
  const [key, ...others] = keysOf(plan('rule-page'));
  assert.equal(others, []);
  if (key === undefined) throw new Error('no key found');
  assert.is(key.resource, 'aws_kms_key.kms-key');
  assert.is(key.resourceType, 'aws_kms_key');
  assert.is(key.file, 'plan.json');
  assert.is(key.line, undefined, 'a plan has no source lines');
  assert.equal(key.notices, []);
  const statements = (key.policy as { Statement: { Sid: string; Principal: unknown }[] }).Statement;
  assert.equal(
    statements.map((s) => s.Sid),
    [
      'Enable IAM User Permissions',
      'Allow access for Key Administrators',
      'Allow use of the key',
      'Allow attachment of persistent resources',
    ],
  );
  assert.equal(statements[0]?.Principal, {
    AWS: ['arn:aws:iam::123123123123:root', 'arn:aws:iam::123456789012:root'],
  });
});

rulePage(
  'check-policy reports 123123123123 on the resolved policy when it is not trusted, and nothing once it is',
  () => {
    const [key] = keysOf(plan('rule-page'));
    const text = JSON.stringify(key?.policy);
    const report = checkPolicyText(text, '123456789012', []);
    assert.equal(
      report.findings.map((f) => [f.principal, f.account, f.statement]),
      [['arn:aws:iam::123123123123:root', '123123123123', 'Enable IAM User Permissions']],
    );
    assert.equal(checkPolicyText(text, '123456789012', [parseTrustEntry('123123123123')]).findings, []);
  },
);

rulePage('the provider block names no account: the key is "the key\'s own account" until --account says', () => {
  const [unknown] = keysOf(plan('rule-page'));
  assert.is(unknown?.account, undefined);
  const [key] = keysOf(plan('rule-page'), { account: '123456789012', parameters: new Map() });
  assert.is(key?.account, '123456789012');
  const judged = judgeIacKey(key as IacKey, []);
  assert.equal(
    judged.findings.map((f) => f.principal),
    ['arn:aws:iam::123123123123:root'],
    'the same verdict as check-policy on the same policy',
  );
});

const modules = suite('a plan with child modules, a provider alias, an attached policy and a deletion');

modules('finds each key once, in the root module and in child modules at any depth', () => {
  assert.equal(
    keysOf(plan('modules'))
      .map((k) => k.resource)
      .sort(),
    MODULE_KEYS,
  );
});

modules('planned_values alone and resource_changes alone each give the same keys', () => {
  const { resource_changes: _, ...valuesOnly } = plan('modules');
  const { planned_values: __, ...changesOnly } = plan('modules');
  assert.equal(
    keysOf(valuesOnly)
      .map((k) => k.resource)
      .sort(),
    MODULE_KEYS,
  );
  assert.equal(
    keysOf(changesOnly)
      .map((k) => k.resource)
      .sort(),
    MODULE_KEYS,
  );
});

modules('a key the plan deletes is not judged, however open its policy was', () => {
  const full = plan('modules');
  assert.ok(JSON.stringify(full.prior_state).includes('\\"Principal\\":\\"*\\"'), 'the deleted key was public');
  assert.not.ok(keysOf(full).some((k) => k.resource === 'aws_kms_key.old'));
});

modules('a key the plan replaces is judged by its new policy', () => {
  const full = plan('modules');
  const logs = full.resource_changes.find((c) => c.address === 'aws_kms_key.logs') as { change: { actions: string[] } };
  logs.change.actions = ['delete', 'create'];
  const key = keyAt(keysOf(full), 'aws_kms_key.logs');
  const report = judgeIacKey(key, []);
  assert.equal(
    report.findings.map((f) => f.principal),
    ['arn:aws:iam::999988887777:root'],
  );
});

modules('aws_kms_key_policy: its policy is judged like a key policy', () => {
  const key = keyAt(keysOf(plan('modules')), 'module.storage.module.backup.aws_kms_key_policy.vault');
  assert.is(key.resourceType, 'aws_kms_key_policy');
  const report = checkPolicyText(JSON.stringify(key.policy), '111122223333', []);
  assert.equal(
    report.findings.map((f) => f.principal),
    ['arn:aws:iam::555566667777:role/backup-copier'],
  );
});

modules('a key whose configuration sets no policy: a no-policy notice, nothing judged', () => {
  const key = keyAt(keysOf(plan('modules')), 'module.storage.module.backup.aws_kms_key.vault');
  assert.is(key.policy, undefined);
  assert.equal(
    key.notices.map((n) => n.code),
    ['no-policy'],
  );
  assert.match(key.notices[0]?.message ?? '', /default key policy/);
});

modules("the account comes from each resource's provider configuration: allowed_account_ids", () => {
  const keys = keysOf(plan('modules'));
  assert.is(keyAt(keys, 'aws_kms_key.audit').account, '222233334444', 'provider = aws.audit');
  for (const address of MODULE_KEYS.filter((a) => a !== 'aws_kms_key.audit')) {
    assert.is(keyAt(keys, address).account, '111122223333', address);
  }
  // Judged for its own account, the child module's key lets in nobody: its role is of that account.
  assert.equal(judgeIacKey(keyAt(keys, 'module.storage.aws_kms_key.data'), []).findings, []);
});

modules('--account wins over the provider configuration', () => {
  const keys = keysOf(plan('modules'), { account: '999900001111', parameters: new Map() });
  assert.equal([...new Set(keys.map((k) => k.account))], ['999900001111']);
});

modules('allowed_account_ids naming two accounts does not decide the account', () => {
  const full = plan('modules') as Plan & { configuration: { provider_config: { aws: { expressions: object } } } };
  full.configuration.provider_config.aws.expressions = {
    allowed_account_ids: { constant_value: ['111122223333', '444455556666'] },
  };
  assert.is(keyAt(keysOf(full), 'aws_kms_key.logs').account, undefined);
});

const unknown = suite('a plan whose policies are known only after apply');

unknown('a policy built from a role the plan creates: policy-unknown, naming what it is built from, no finding', () => {
  const keys = keysOf(plan('unknown-policy'));
  const shared = keyAt(keys, 'aws_kms_key.shared');
  assert.is(shared.policy, undefined);
  assert.equal(
    shared.notices.map((n) => n.code),
    ['policy-unknown'],
  );
  assert.match(shared.notices[0]?.message ?? '', /data\.aws_iam_policy_document\.shared\.json/);
  const attached = keyAt(keys, 'aws_kms_key_policy.partner');
  assert.equal(
    attached.notices.map((n) => n.code),
    ['policy-unknown'],
  );
  assert.match(attached.notices[0]?.message ?? '', /aws_iam_role\.partner\.arn/);
  for (const key of keys) assert.equal(judgeIacKey(key, []).findings, [], key.resource);
});

unknown('a key with no policy in its configuration, though the provider plans it as unknown: no-policy', () => {
  const scratch = keyAt(keysOf(plan('unknown-policy')), 'aws_kms_key.scratch');
  assert.equal(
    scratch.notices.map((n) => n.code),
    ['no-policy'],
  );
});

unknown('only the managed KMS resources are keys: not the role, not data sources', () => {
  const full = plan('unknown-policy');
  full.resource_changes.push({
    address: 'data.aws_kms_key.imported',
    mode: 'data',
    type: 'aws_kms_key',
    name: 'imported',
    change: { actions: ['read'], before: null, after: { key_id: 'alias/imported' }, after_unknown: { arn: true } },
  });
  assert.equal(
    keysOf(full)
      .map((k) => k.resource)
      .sort(),
    ['aws_kms_key.scratch', 'aws_kms_key.shared', 'aws_kms_key_policy.partner'],
  );
});

unknown('the account comes from the role the provider assumes', () => {
  for (const key of keysOf(plan('unknown-policy'))) assert.is(key.account, '444455556666', key.resource);
});

unknown('from planned_values alone, an absent policy the configuration sets is still unknown, never judged', () => {
  const { resource_changes: _, ...valuesOnly } = plan('unknown-policy');
  const shared = keyAt(keysOf(valuesOnly), 'aws_kms_key.shared');
  assert.equal(
    shared.notices.map((n) => n.code),
    ['policy-unknown'],
  );
});

const malformed = suite('a policy string that is not valid JSON');

malformed("a notice on the key naming the address and the parser's message; nothing judged", () => {
  const full = plan('malformed-policy');
  const [key] = keysOf(full);
  const text = (full.resource_changes[0] as { change: { after: { policy: string } } }).change.after.policy;
  let parserMessage = '';
  try {
    parseStrictJson(text);
  } catch (error) {
    parserMessage = messageOf(error);
  }
  assert.match(parserMessage, /line 9, column 6/);
  assert.is(key?.policy, undefined);
  assert.equal(
    key?.notices.map((n) => n.code),
    ['invalid-policy'],
  );
  assert.ok(key?.notices[0]?.message.includes('aws_kms_key.kms-key'));
  assert.ok(key?.notices[0]?.message.includes(parserMessage), key?.notices[0]?.message);
});

malformed('two "AWS" keys in one principal: refused, never read as the last one', () => {
  const full = plan('malformed-policy');
  const after = (full.resource_changes[0] as { change: { after: { policy: string } } }).change.after;
  after.policy = after.policy.replace('root"\n', 'root",\n');
  const [key] = keysOf(full);
  assert.is(key?.policy, undefined);
  assert.match(key?.notices[0]?.message ?? '', /duplicate key "AWS"/);
});

const shape = suite('what is a plan');

shape('a plan has format_version and planned values or resource changes', () => {
  for (const name of ['rule-page', 'modules', 'unknown-policy', 'malformed-policy']) {
    assert.ok(isTerraformPlan(plan(name)), name);
  }
  assert.not.ok(isTerraformPlan({ AWSTemplateFormatVersion: '2010-09-09', Resources: {} }));
  assert.not.ok(isTerraformPlan({ format_version: '1.0', values: { root_module: {} } }), 'a state, not a plan');
  assert.not.ok(isTerraformPlan(null));
});

shape('anything else yields no keys rather than failing', () => {
  for (const root of [null, [], 'plan', { format_version: '1.2', resource_changes: 'none' }]) {
    assert.equal(keysOf(root), []);
  }
});

rulePage.run();
modules.run();
unknown.run();
malformed.run();
shape.run();
