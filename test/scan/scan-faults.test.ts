import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { keyId, ownerOnly, scanWorld, sharedWith } from '../helpers/sandbox.js';

const faults = suite('scan: when the estate misbehaves');
const A = '111111111111';
const FOREIGN = '999999999999';

const healthy = () => ({ name: 'us-east-1', keys: [{ keyId: keyId(), policy: sharedWith(A, FOREIGN) }] });
const codes = (run: { json: { errors: { code: string; region: string | null }[] } }) =>
  run.json.errors.map((e) => `${e.region}:${e.code}`);

faults('a region that is not enabled is an error; the other regions are still scanned', async () => {
  const world: World = {
    callerAccount: A,
    accounts: [{ id: A, regions: [healthy()], disabledRegions: ['ap-east-1'] }],
  };
  const run = await scanWorld(world, 'regions: [us-east-1, ap-east-1]\n');
  assert.equal(codes(run), ['ap-east-1:RegionNotEnabled']);
  assert.is(run.json.findings.length, 1);
  assert.is(run.json.scan.complete, false);
  assert.is(run.code, 3);
});

faults('regions: all scans only the regions enabled for the account', async () => {
  const world: World = {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [healthy(), { name: 'eu-west-1', keys: [{ keyId: keyId(), policy: sharedWith(A, FOREIGN) }] }],
        disabledRegions: ['ap-east-1'],
      },
    ],
  };
  const run = await scanWorld(world, 'regions: all\n');
  assert.equal(run.json.errors, []);
  assert.equal([...new Set(run.json.findings.map((f) => f.region))].sort(), ['eu-west-1', 'us-east-1']);
  assert.is(run.json.scan.complete, true);
});

faults('a region that denies the scanner is an error naming the region', async () => {
  const world: World = { callerAccount: A, accounts: [{ id: A, regions: [healthy()], deniedRegions: ['eu-west-1'] }] };
  const run = await scanWorld(world, 'regions: [us-east-1, eu-west-1]\n');
  assert.equal(codes(run), ['eu-west-1:RegionAccessDenied']);
  assert.is(run.json.findings.length, 1);
});

faults('a key whose policy locks the auditor out is an error naming the key; the region goes on', async () => {
  const locked = keyId();
  const world: World = {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              { keyId: locked, policyReadable: false, policy: ownerOnly(A) },
              { keyId: keyId(), policy: sharedWith(A, FOREIGN) },
            ],
          },
        ],
      },
    ],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\n');
  assert.equal(
    run.json.errors.map((e) => [e.keyId, e.code]),
    [[locked, 'KeyPolicyUnreadable']],
  );
  assert.is(run.json.findings.length, 1);
  assert.is(run.json.scan.complete, false);
  assert.is(run.code, 3);
});

faults(
  'a key deleted between ListKeys and GetKeyPolicy is reported and does not make the scan incomplete',
  async () => {
    const gone = keyId();
    const world: World = {
      callerAccount: A,
      accounts: [
        {
          id: A,
          regions: [
            {
              name: 'us-east-1',
              keys: [
                { keyId: gone, vanishes: true, policy: ownerOnly(A) },
                { keyId: keyId(), policy: ownerOnly(A) },
              ],
            },
          ],
        },
      ],
    };
    const run = await scanWorld(world, 'regions: [us-east-1]\n');
    assert.equal(
      run.json.errors.map((e) => [e.keyId, e.code]),
      [[gone, 'KeyVanished']],
    );
    assert.is(run.json.scan.complete, true);
    assert.is(run.code, 0);
  },
);

faults('a key policy that shuts the scanner out entirely (even DescribeKey) is KeyPolicyUnreadable too', async () => {
  const locked = keyId();
  const world: World = {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              { keyId: locked, lockedOut: true, policy: ownerOnly(A) },
              { keyId: keyId(), policy: sharedWith(A, FOREIGN) },
            ],
          },
        ],
      },
    ],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\n');
  assert.equal(
    run.json.errors.map((e) => [e.keyId, e.code]),
    [[locked, 'KeyPolicyUnreadable']],
  );
  assert.is(run.json.findings.length, 1);
  assert.is(run.code, 3);
});

faults('grants the scanner may not list are an error naming the key', async () => {
  const hidden = keyId();
  const world: World = {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [
          { name: 'us-east-1', keys: [{ keyId: hidden, grantsReadable: false, policy: sharedWith(A, FOREIGN) }] },
        ],
      },
    ],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\n');
  assert.equal(
    run.json.errors.map((e) => [e.keyId, e.code]),
    [[hidden, 'GrantsUnreadable']],
  );
  assert.is(run.json.findings.length, 1, 'the policy was still judged');
  assert.is(run.code, 3);
});

faults('a policy the engine cannot parse is an unparseable-policy finding', async () => {
  const raw = readFileSync(new URL('../fixtures/policies/rule-page-example-raw.json', import.meta.url), 'utf8');
  const broken = keyId();
  const world: World = {
    callerAccount: A,
    accounts: [{ id: A, regions: [{ name: 'us-east-1', keys: [{ keyId: broken, policy: raw }] }] }],
  };
  const run = await scanWorld(world, 'regions: [us-east-1]\n');
  assert.is(run.json.findings.length, 1);
  const [finding] = run.json.findings;
  assert.is(finding?.reason, 'unparseable-policy');
  assert.is(finding?.keyId, broken);
  assert.match(String(finding?.detail), /line 71, column 3/);
  assert.is(run.code, 1);
});

faults('a hung region is abandoned after its deadline, and the rest of the scan finishes', async () => {
  const world: World = { callerAccount: A, accounts: [{ id: A, regions: [healthy()], hangingRegions: ['eu-west-1'] }] };
  const yaml =
    'regions: [us-east-1, eu-west-1]\nscan: { regionTimeoutSeconds: 1, requestTimeoutSeconds: 0.5, maxAttempts: 2 }\n';
  const run = await scanWorld(world, yaml);
  assert.equal(codes(run), ['eu-west-1:Timeout']);
  assert.is(run.json.findings.length, 1);
  assert.is(run.code, 3);
});

faults(
  'every call has its own timeout: a hung region fails on the request timeout, well before the region deadline',
  async () => {
    const world: World = {
      callerAccount: A,
      accounts: [{ id: A, regions: [healthy()], hangingRegions: ['eu-west-1'] }],
    };
    const yaml =
      'regions: [us-east-1, eu-west-1]\nscan: { regionTimeoutSeconds: 3600, requestTimeoutSeconds: 0.3, maxAttempts: 2 }\n';
    const run = await scanWorld(world, yaml);
    assert.equal(codes(run), ['eu-west-1:Timeout']);
    assert.is(run.json.findings.length, 1);
  },
);

faults(
  'a key policy nested as deep as 32 KB allows is one finding for that key; the scan goes on and lands',
  async () => {
    const deep = keyId();
    const effect = `{"Statement":[{"Effect":${'['.repeat(8000)}${']'.repeat(8000)},"Principal":"*","Action":"kms:*","Resource":"*"}]}`;
    const duplicate = keyId();
    const nestedDuplicate = `{"Statement":${'['.repeat(12000)}{"a":1,"a":2}${']'.repeat(12000)}}`;
    const world: World = {
      callerAccount: A,
      accounts: [
        {
          id: A,
          regions: [
            {
              name: 'us-east-1',
              keys: [
                { keyId: deep, policy: effect },
                { keyId: duplicate, policy: nestedDuplicate },
                { keyId: keyId(), policy: sharedWith(A, FOREIGN) },
                { keyId: keyId(), policy: ownerOnly(A) },
              ],
            },
          ],
        },
      ],
    };
    const run = await scanWorld(world, 'regions: [us-east-1]\n');
    assert.is(run.code, 1, run.stderr);
    assert.is(run.json.scan.complete, true);
    const byKey = new Map(run.json.findings.map((f) => [f.keyId, f]));
    assert.is(byKey.get(deep)?.reason, 'unparseable-policy');
    assert.match(String(byKey.get(deep)?.detail), /"Effect" must be "Allow" or "Deny", not a list/);
    assert.is(byKey.get(duplicate)?.reason, 'unparseable-policy');
    assert.match(String(byKey.get(duplicate)?.detail), /duplicate key "a"/);
    assert.equal(
      run.json.findings.map((f) => f.principal).filter((p) => p === FOREIGN),
      [FOREIGN],
    );
    assert.ok((run.json as { record?: { newFindings: number } }).record?.newFindings === 3, run.stdout.slice(0, 400));
  },
);

faults.run();
