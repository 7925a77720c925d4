import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { outsidePlan, type ScanPlan } from '../../src/usecases/scan-plan.js';

const scope = suite('a scan scope chosen from Slack stays within what the config scans');

const plan = (over: Partial<ScanPlan>): ScanPlan => ({
  accounts: [{ id: '111111111111', name: 'prod', roleArn: undefined }],
  roleName: 'KmsSentinelAudit',
  externalId: undefined,
  organization: { discover: false, trustMembers: false },
  regions: ['us-east-1', 'eu-west-1'],
  trusted: [],
  concurrency: { regions: 4, keys: 4 },
  regionTimeoutMs: 60_000,
  ...over,
});

scope('a listed account and region are within; anything else is named', () => {
  assert.is(outsidePlan(plan({}), { accounts: ['111111111111'], regions: ['eu-west-1'] }), undefined);
  assert.match(outsidePlan(plan({}), { accounts: ['999999999999'] }) ?? '', /account 999999999999 is not among/);
  assert.match(outsidePlan(plan({}), { regions: ['ap-south-1'] }) ?? '', /region ap-south-1 is not among/);
  assert.is(outsidePlan(plan({ regions: 'all' }), { regions: ['ap-south-1'] }), undefined, 'regions: all');
});

scope('with no accounts listed, or with discovery, no account can be named', () => {
  assert.match(
    outsidePlan(plan({ accounts: undefined }), { accounts: ['999999999999'] }) ?? '',
    /only the credentials' own account is scanned/,
  );
  const discovering = plan({ accounts: undefined, organization: { discover: true, trustMembers: false } });
  assert.match(outsidePlan(discovering, { accounts: ['999999999999'] }) ?? '', /organization discovery/);
  assert.is(outsidePlan(discovering, { regions: ['us-east-1'] }), undefined);
});

scope.run();
