import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { cleanKeys, keyId, scanWorld, sharedWith } from '../helpers/sandbox.js';

const throttling = suite('scan: throttling');
const A = '111111111111';
/**
 * Three times the quota's one-second burst: the default pace (GetKeyPolicy 30 x 0.9 req/s) empties the sandbox's
 * bucket in well under a second, so the quota is hit for certain, and the 20 keys past the burst take ~2 s.
 * Big scans behind low quotas are the bench's quota-bound scenario (bench/scan.bench.ts).
 */
const KEYS = 30;

throttling(`${KEYS} keys behind a 10 req/s GetKeyPolicy quota finish with no errors (default settings)`, async () => {
  const foreign = { keyId: keyId(), policy: sharedWith(A, '999999999999') };
  const world: World = {
    callerAccount: A,
    quotas: { GetKeyPolicy: 10, DescribeKey: 50, ListGrants: 50 },
    accounts: [{ id: A, regions: [{ name: 'us-east-1', keys: [...cleanKeys(A, KEYS - 1), foreign] }] }],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\n');
  assert.equal(run.json.errors, []);
  assert.is(run.json.scan.complete, true);
  assert.is(run.json.scan.customerManagedKeys, KEYS);
  assert.equal(
    run.json.findings.map((f) => f.keyId),
    [foreign.keyId],
  );
  const stats = run.sandbox.stats();
  assert.ok((stats.throttledByOperation['kms:GetKeyPolicy'] ?? 0) > 0, 'the quota was really hit');
  assert.is(stats.byOperation['kms:GetKeyPolicy'], KEYS + (stats.throttledByOperation['kms:GetKeyPolicy'] ?? 0));
});

throttling.run();
