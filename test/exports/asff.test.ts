import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type AsffFinding, asffFinding, asffId } from '../../src/core/exports/asff.js';
import { cli } from '../helpers/cli.js';
import { acknowledged, recorded, resolved } from '../helpers/recorded-findings.js';
import { withSandbox } from '../helpers/sandbox.js';
import { HUB_CONFIG, hubWorld, OTHER } from '../helpers/security-hub.js';

const asff = suite('findings in ASFF (AWS Security Finding Format), as Security Hub takes them');

const AT = '2026-03-10T08:00:00.000Z';
const HUB = { accountId: '555555555555', region: 'us-west-2', partition: 'aws' };

asff('every required attribute, mapped from the record', () => {
  const f = asffFinding(recorded(), HUB, AT);
  assert.equal(
    {
      SchemaVersion: f.SchemaVersion,
      Id: f.Id,
      ProductArn: f.ProductArn,
      GeneratorId: f.GeneratorId,
      AwsAccountId: f.AwsAccountId,
      Types: f.Types,
      CreatedAt: f.CreatedAt,
      UpdatedAt: f.UpdatedAt,
      FirstObservedAt: f.FirstObservedAt,
      LastObservedAt: f.LastObservedAt,
      Severity: f.Severity,
      Resources: f.Resources,
      Workflow: f.Workflow,
      RecordState: f.RecordState,
    },
    {
      SchemaVersion: '2018-10-08',
      Id: 'kms-sentinel/finding/0123456789abcdef0123456789abcdef',
      ProductArn: 'arn:aws:securityhub:us-west-2:555555555555:product/555555555555/default',
      GeneratorId: 'kms-sentinel/account',
      AwsAccountId: '555555555555',
      Types: ['Software and Configuration Checks/AWS Security Best Practices/KMS key open beyond the trust list'],
      CreatedAt: '2026-03-01T10:00:00.000Z',
      UpdatedAt: AT,
      FirstObservedAt: '2026-03-01T10:00:00.000Z',
      LastObservedAt: '2026-03-08T10:00:00.000Z',
      Severity: { Label: 'HIGH', Original: 'high' },
      Resources: [
        {
          Type: 'AwsKmsKey',
          Id: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          Partition: 'aws',
          Region: 'eu-west-1',
          Details: {
            AwsKmsKey: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', KeyState: 'Enabled', KeyManager: 'CUSTOMER' },
          },
        },
      ],
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    },
  );
  assert.equal(f.FindingProviderFields, { Severity: f.Severity, Types: f.Types });
  assert.is(f.Title, 'KMS key alias/payments (111111111111/eu-west-1) is open to 999999999999');
  assert.match(
    f.Description,
    /^account 999999999999 is not in the trust list\. Through key policy statement "Partner"\./,
  );
  assert.is(f.ProductFields['kms-sentinel/keyAccount'], '111111111111');
  assert.is(f.ProductFields['kms-sentinel/status'], 'open');
});

asff('severity labels, workflow and record state follow the record', () => {
  const labels = (['critical', 'high', 'medium', 'low'] as const).map(
    (s) => asffFinding(recorded({ severity: s }), HUB, AT).Severity.Label,
  );
  assert.equal(labels, ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']);
  const state = (f: AsffFinding) => [f.Workflow.Status, f.RecordState];
  assert.equal(state(asffFinding(recorded(), HUB, AT)), ['NEW', 'ACTIVE']);
  const acked = asffFinding(acknowledged(), HUB, AT);
  assert.equal(state(acked), ['SUPPRESSED', 'ACTIVE']);
  assert.is(acked.ProductFields['kms-sentinel/acknowledgedBy'], 'slack:U0ADMIN');
  assert.is(acked.ProductFields['kms-sentinel/acknowledgedUntil'], '2026-06-01T00:00:00.000Z');
  const gone = asffFinding(resolved(), HUB, AT);
  assert.equal(state(gone), ['RESOLVED', 'ARCHIVED']);
  assert.is(gone.ProductFields['kms-sentinel/resolvedCause'], 'the scan no longer sees it');
});

asff("the Id is the fingerprint's, whatever else changes: a new import updates the same finding", () => {
  const base = recorded();
  const ids = [
    asffFinding(base, HUB, AT),
    asffFinding({ ...base, severity: 'critical', actions: ['kms:*'], status: 'acknowledged' }, HUB, AT),
    asffFinding({ ...base, status: 'resolved' }, undefined, '2027-01-01T00:00:00.000Z'),
  ].map((f) => f.Id);
  assert.equal(ids, [asffId(base.fingerprint), asffId(base.fingerprint), asffId(base.fingerprint)]);
  assert.is.not(asffFinding(acknowledged(), HUB, AT).Id, ids[0], 'another finding, another Id');
});

asff("without a hub, each finding goes to its key's own account and region, in the key's partition", () => {
  const gov = recorded({ region: 'us-gov-west-1', keyArn: 'arn:aws-us-gov:kms:us-gov-west-1:111111111111:key/k' });
  const f = asffFinding(gov, undefined, AT);
  assert.is(f.AwsAccountId, '111111111111');
  assert.is(f.ProductArn, 'arn:aws-us-gov:securityhub:us-gov-west-1:111111111111:product/111111111111/default');
  assert.is(f.Resources[0]?.Partition, 'aws-us-gov');
});

asff("ASFF's limits hold whatever the record holds: Title 256, Description 1,024, product fields 2,048", () => {
  const long = 'x'.repeat(5000);
  const f = asffFinding(acknowledged({ reason: long, principal: long, ackReason: long, aliases: [long] }), HUB, AT);
  assert.ok(f.Title.length <= 256 && f.Title.endsWith('…'));
  assert.ok(f.Description.length <= 1024 && f.Description.endsWith('…'));
  assert.ok(f.Remediation.Recommendation.Text.length <= 512);
  const fields = Object.entries(f.ProductFields);
  assert.ok(fields.length <= 50);
  for (const [key, value] of fields) assert.ok(key.length <= 128 && value.length <= 2048, key);
  const grant = asffFinding(recorded({ source: 'grant', statement: null, grantId: 'g-123', kind: 'grantee' }), HUB, AT);
  assert.match(grant.Remediation.Recommendation.Text, /^Revoke grant g-123/);
  const unreadable = asffFinding(
    recorded({ kind: 'unreadable', source: 'key', statement: null, public: true }),
    HUB,
    AT,
  );
  assert.equal(unreadable.Types, [
    'Software and Configuration Checks/AWS Security Best Practices/KMS key whose access cannot be judged',
    'Effects/Data Exposure/KMS key open to everyone',
  ]);
});

asff(
  'kms-sentinel findings --format asff: per key by default, or all to one hub; wrong options are refused',
  async () => {
    await withSandbox(hubWorld(), async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-asff-'));
      const config = join(dir, 'kms-sentinel.yml');
      writeFileSync(config, `${HUB_CONFIG}database: ${join(dir, 'k.db')}\n`);
      assert.is((await cli(['scan', '--config', config], '', process.env)).code, 1);
      const run = (...args: string[]) =>
        cli(['findings', '--config', config, '--format', 'asff', ...args], '', process.env);
      const perKey = JSON.parse((await run()).stdout) as { Findings: AsffFinding[] };
      assert.is(perKey.Findings.length, 3);
      const staging = perKey.Findings.find((f) => f.Resources[0]?.Id.includes(`:${OTHER}:`));
      assert.is(staging?.AwsAccountId, OTHER);
      assert.is(staging?.ProductArn, `arn:aws:securityhub:us-east-1:${OTHER}:product/${OTHER}/default`);
      const one = JSON.parse((await run('--hub-account', '555555555555')).stdout) as { Findings: AsffFinding[] };
      assert.equal(
        new Set(one.Findings.map((f) => f.ProductArn)),
        new Set(['arn:aws:securityhub:us-east-1:555555555555:product/555555555555/default']),
      );
      const west = JSON.parse((await run('--hub-account', '555555555555', '--hub-region', 'us-west-2')).stdout);
      assert.ok((west.Findings as AsffFinding[]).every((f) => f.ProductArn.includes(':us-west-2:555555555555:')));
      const refusals: [string[], RegExp][] = [
        [['--hub-account', '5555'], /--hub-account "5555" is not a 12-digit AWS account ID/],
        [['--hub-region', 'us-west-2'], /--hub-region goes with --hub-account/],
        [['--hub-account', '555555555555', '--hub-region', 'mars'], /--hub-region "mars" is not an AWS region name/],
      ];
      for (const [args, message] of refusals) {
        const bad = await run(...args);
        assert.is(bad.code, 2, args.join(' '));
        assert.match(bad.stderr, message);
      }
      const csvHub = await cli(
        ['findings', '--config', config, '--format', 'csv', '--hub-account', '555555555555'],
        '',
        process.env,
      );
      assert.is(csvHub.code, 2);
      assert.match(csvHub.stderr, /--hub-account is for --format asff/);
      const noRegion = config.replace('.yml', '-plain.yml');
      writeFileSync(noRegion, `regions: [us-east-1]\ndatabase: ${join(dir, 'k.db')}\n`);
      const missing = await cli(
        ['findings', '--config', noRegion, '--format', 'asff', '--hub-account', '555555555555'],
        '',
        process.env,
      );
      assert.is(missing.code, 2);
      assert.match(missing.stderr, /--hub-account needs --hub-region \(or securityHub\.region in the config\)/);
    });
  },
);

asff.run();
