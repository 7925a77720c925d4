import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import { consoleDefaultPolicy } from '../../src/demo/console-default-policy.js';
import { check, OWN } from '../helpers/policy.js';

const reference = suite('reference policies');
const fixture = (name: string) => readFileSync(new URL(`../fixtures/policies/${name}`, import.meta.url), 'utf8');

reference('the rule page example reports 123412341234 with an empty trust list', () => {
  const report = checkPolicyText(fixture('rule-page-example.json'), '123456789012', []);
  assert.equal(
    report.findings.map((f) => [f.principal, f.account, f.statement, f.severity]),
    [
      ['arn:aws:iam::123412341234:root', '123412341234', 'Allow attachment of persistent resources', 'critical'],
      ['arn:aws:iam::123412341234:root', '123412341234', 'Allow use of the key', 'high'],
    ],
  );
  assert.is(report.public, false);
});

reference('the rule page example reports nothing once 123412341234 is trusted', () => {
  const trust = [parseTrustEntry('123412341234')];
  assert.equal(checkPolicyText(fixture('rule-page-example.json'), '123456789012', trust).findings, []);
  const byArn = [parseTrustEntry('arn:aws:iam::123412341234:root')];
  assert.equal(checkPolicyText(fixture('rule-page-example.json'), '123456789012', byArn).findings, []);
});

reference('the default key policy from the KMS API reports nothing', () => {
  const report = check([
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OWN}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ]);
  assert.equal(report.findings, []);
  assert.equal(report.notices, []);
});

reference('the console default key policy reports nothing', () => {
  const admins = `arn:aws:iam::${OWN}:role/KeyAdmin`;
  const users = `arn:aws:iam::${OWN}:role/KeyUser`;
  const report = check(consoleDefaultPolicy(OWN, { admins, users }));
  assert.equal(report.findings, []);
});

reference('the AWS-managed key pattern ("*" + kms:CallerAccount + kms:ViaService) reports nothing', () => {
  const report = check({
    Version: '2012-10-17',
    Id: 'auto-ebs-2',
    Statement: [
      {
        Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': OWN, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OWN}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  });
  assert.equal(report.findings, []);
  assert.equal(report.notices, []);
});

reference('the CloudTrail console key policy reports nothing', () => {
  const trail = `arn:aws:cloudtrail:*:${OWN}:trail/*`;
  const report = check([
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OWN}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Allow CloudTrail to encrypt logs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trail } },
    },
    {
      Sid: 'Allow principals in the account to decrypt log files',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': OWN },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trail },
      },
    },
    {
      Sid: 'Enable cross account log decryption',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': OWN },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trail },
      },
    },
  ]);
  assert.equal(report.findings, []);
});

reference.run();
