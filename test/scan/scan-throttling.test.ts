import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { cleanKeys, keyId, scanWorld, sharedWith } from '../helpers/sandbox.js';

const throttling = suite('scan: throttling');
const A = '111111111111';

throttling('200 keys behind a 10 req/s GetKeyPolicy quota finish with no errors (default settings)', async () => {
  const foreign = { keyId: keyId(), policy: sharedWith(A, '999999999999') };
  const world: World = {
    callerAccount: A,
    quotas: { GetKeyPolicy: 10, DescribeKey: 50, ListGrants: 50 },
    accounts: [{ id: A, regions: [{ name: 'us-east-1', keys: [...cleanKeys(A, 199), foreign] }] }],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\n');
  assert.equal(run.json.errors, []);
  assert.is(run.json.scan.complete, true);
  assert.is(run.json.scan.customerManagedKeys, 200);
  assert.equal(
    run.json.findings.map((f) => f.keyId),
    [foreign.keyId],
  );
  const stats = run.sandbox.stats();
  assert.ok((stats.throttledByOperation['kms:GetKeyPolicy'] ?? 0) > 0, 'the quota was really hit');
  assert.is(stats.byOperation['kms:GetKeyPolicy'], 200 + (stats.throttledByOperation['kms:GetKeyPolicy'] ?? 0));
});

throttling.run();
