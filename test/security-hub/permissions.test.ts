import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type PolicyFeatures, scannerPolicy } from '../../src/adapters/aws/permissions.js';
import { evaluate, parseTemplate } from '../helpers/cloudformation.js';

const permissions = suite('Security Hub: the scanner may push its findings, when (and only when) it is asked to');

const template = parseTemplate(readFileSync(new URL('../../deploy/scanner-permissions.yml', import.meta.url), 'utf8'));
const features = (remediation: boolean, securityHub: boolean): PolicyFeatures => ({
  remediation,
  allRegions: true,
  organization: true,
  roleName: 'KmsSentinelAudit',
  roleArns: [],
  partition: 'aws',
  securityHub,
});
const PUSH = { Sid: 'PushToSecurityHub', Effect: 'Allow', Action: ['securityhub:BatchImportFindings'], Resource: '*' };

for (const remediation of [false, true]) {
  permissions(
    `scanner-permissions.yml, EnableRemediation=${remediation}: EnableSecurityHub adds exactly the push`,
    () => {
      for (const securityHub of [false, true]) {
        const { resources } = evaluate(template, {
          EnableRemediation: String(remediation),
          EnableSecurityHub: String(securityHub),
        });
        const policy = Object.values(resources)[0]?.Properties as { PolicyDocument: { Statement: { Sid: string }[] } };
        assert.equal(policy.PolicyDocument, scannerPolicy(features(remediation, securityHub)));
        const push = policy.PolicyDocument.Statement.find((s) => s.Sid === 'PushToSecurityHub');
        assert.equal(push, securityHub ? PUSH : undefined);
      }
    },
  );
}

permissions('EnableSecurityHub is off unless set: the template deployed as before grants nothing new', () => {
  const { resources } = evaluate(template, {});
  assert.not.ok(JSON.stringify(resources).includes('securityhub:'));
});

permissions.run();
