import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { planRemediation } from '../../src/core/remediation/plan.js';
import type { Sandbox, World } from '../../src/sandbox/index.js';
import { cli } from '../helpers/cli.js';
import { FOREIGN, OWN, ownerStatement } from '../helpers/policy.js';
import { keyId, policyOf, sharedWith, withSandbox } from '../helpers/sandbox.js';

const apply = suite('remediation against the sandbox: checked, backed up, honest about failures, undoable');

const KEYS = { shared: keyId(), managed: keyId(), ghost: keyId() };
const arn = (id: string) => `arn:aws:kms:us-east-1:${OWN}:key/${id}`;
const owner = ownerStatement();

function world(): World {
  return {
    callerAccount: OWN,
    nonexistentPrincipals: [`arn:aws:iam::${OWN}:role/Deleted`],
    accounts: [
      {
        id: OWN,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              {
                keyId: KEYS.shared,
                aliases: ['alias/shared'],
                policy: sharedWith(OWN, FOREIGN),
                grants: [
                  {
                    grantId: 'g-foreign',
                    granteePrincipal: `arn:aws:iam::${FOREIGN}:role/etl`,
                    operations: ['Decrypt'],
                  },
                ],
              },
              {
                keyId: KEYS.managed,
                aliases: ['alias/managed'],
                policy: policyOf(owner, {
                  Sid: 'Open',
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 'kms:Decrypt',
                  Resource: '*',
                }),
                tags: { 'aws:cloudformation:stack-name': 'payments-prod' },
              },
              {
                keyId: KEYS.ghost,
                aliases: ['alias/ghost'],
                policy: policyOf(owner, {
                  Sid: 'Use',
                  Effect: 'Allow',
                  Principal: { AWS: [`arn:aws:iam::${OWN}:role/Deleted`, FOREIGN] },
                  Action: 'kms:Decrypt',
                  Resource: '*',
                }),
              },
            ],
          },
        ],
      },
    ],
  };
}

interface Setup {
  readonly base: string[];
  readonly run: (...args: string[]) => ReturnType<typeof cli>;
  readonly findings: () => Promise<
    { keyId: string; principal: string; status: string; resolvedCause: string | null }[]
  >;
}

async function withScanned(
  test: (sandbox: Sandbox, s: Setup) => Promise<void>,
  config = 'remediation: { enabled: true }\n',
) {
  await withSandbox(world(), async (sandbox) => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-fix-'));
    writeFileSync(
      join(dir, 'k.yml'),
      `accounts: [{ id: "${OWN}" }]\nregions: [us-east-1]\nscan: { maxAttempts: 2 }\n${config}`,
    );
    const base = ['--config', join(dir, 'k.yml'), '--db', join(dir, 'k.db')];
    const run = (...args: string[]) => cli([...args, ...base], '', process.env);
    assert.is((await run('scan')).code, 1);
    const findings = async () =>
      JSON.parse((await run('findings', '--status', 'all', '--format', 'json')).stdout).findings;
    await test(sandbox, { base, run, findings });
  });
}

apply('policy edit and grant revocation applied: AWS changed, findings resolved as remediated, the backup kept', () =>
  withScanned(async (sandbox, { run, findings }) => {
    const before = sandbox.keyState(OWN, 'us-east-1', KEYS.shared);
    const result = await run(
      'remediate',
      arn(KEYS.shared),
      '--yes',
      '--reason',
      'partner offboarded',
      '--format',
      'json',
    );
    assert.is(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.is(out.outcome, 'applied');
    const now = sandbox.keyState(OWN, 'us-east-1', KEYS.shared);
    assert.equal(JSON.parse(now?.policy ?? '').Statement, [owner], 'the foreign statement is gone');
    assert.equal(now?.grants, [], 'the foreign grant is revoked');
    const mine = (await findings()).filter((f) => f.keyId === KEYS.shared);
    assert.ok(
      mine.length === 2 && mine.every((f) => f.status === 'resolved' && f.resolvedCause === `remediated ${out.id}`),
    );
    const list = JSON.parse((await run('remediations', '--format', 'json')).stdout).remediations;
    assert.equal(
      [list[0].id, list[0].status, list[0].actor, list[0].reason],
      [
        out.id,
        'applied',
        `cli:${process.env.USER ?? process.env.LOGNAME ?? list[0].actor.slice(4)}`,
        'partner offboarded',
      ],
    );
    assert.is(list[0].backupPolicy, before?.policy, 'the backup is the policy exactly as read');
    const audit = JSON.parse((await run('audit', '--format', 'json')).stdout).audit.map(
      (a: { action: string }) => a.action,
    );
    assert.ok(audit.includes('remediation-started') && audit.includes('remediation-applied'));
    assert.ok(audit.indexOf('remediation-applied') < audit.indexOf('remediation-started'), 'started was written first');
  }),
);

apply('a remediation a crash left applying is settled from AWS, and can then be undone', () =>
  withScanned(async (sandbox, { base, run }) => {
    const db = base[base.indexOf('--db') + 1] as string;
    const store = new SqliteStore(db, 'existing');
    const key = store.storedKey(arn(KEYS.shared));
    assert.ok(key?.policy);
    const plan = planRemediation({ key, trusted: [] });
    // The process wrote the policy and revoked the grant, then died before it recorded how it ended.
    store.startRemediation(
      {
        id: 'rem-interrupted',
        keyArn: key.keyArn,
        accountId: OWN,
        region: 'us-east-1',
        keyId: KEYS.shared,
        actor: 'cli:alice',
        reason: 'offboarding',
        backupPolicy: key.policy,
        backupHash: 'x',
        writtenPolicy: plan.after,
        plan,
      },
      new Date(Date.now() - 3600_000),
    );
    store.close();
    sandbox.setKeyPolicy(OWN, 'us-east-1', KEYS.shared, plan.after ?? '');
    sandbox.removeGrant(OWN, 'us-east-1', KEYS.shared, 'g-foreign');
    const undo = await run('undo', 'rem-interrupted', '--yes');
    assert.is(undo.code, 0, undo.stderr);
    assert.is(sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.policy, key.policy, 'the backup is back');
    const list = JSON.parse((await run('remediations', '--format', 'json')).stdout).remediations;
    assert.is(list.find((r: { id: string }) => r.id === 'rem-interrupted')?.status, 'undone');
  }),
);

apply('a policy changed since the last scan is never written over: the remediation stops', () =>
  withScanned(async (sandbox, { run }) => {
    const changed = sharedWith(OWN, '888888888888');
    sandbox.setKeyPolicy(OWN, 'us-east-1', KEYS.shared, changed);
    const result = await run('remediate', arn(KEYS.shared), '--yes');
    assert.is(result.code, 1);
    assert.match(result.stderr, /the key policy changed since the last scan: nothing was changed; scan the key again/);
    assert.is(sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.policy, changed);
    assert.equal(JSON.parse((await run('remediations', '--format', 'json')).stdout).remediations, []);
  }),
);

apply('undo puts the backup back and opens the findings again; revoked grants are listed as not restorable', () =>
  withScanned(async (sandbox, { run, findings }) => {
    const original = sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.policy;
    const { id } = JSON.parse((await run('remediate', arn(KEYS.shared), '--yes', '--format', 'json')).stdout);
    const undo = await run('undo', id, '--yes');
    assert.is(undo.code, 0, undo.stderr);
    assert.match(
      undo.stdout,
      /the key policy is the backup again\. AWS cannot restore revoked grants; recreate them if they are still needed: g-foreign \(arn:aws:iam::999999999999:role\/etl: Decrypt\)/,
    );
    assert.is(sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.policy, original);
    const policyFinding = (await findings()).find((f) => f.keyId === KEYS.shared && f.principal === FOREIGN);
    assert.is(policyFinding?.status, 'open');
    const list = JSON.parse((await run('remediations', '--format', 'json')).stdout).remediations;
    assert.is(list[0].status, 'undone');
    const again = await run('undo', id, '--yes');
    assert.is(again.code, 1);
    assert.match(again.stderr, /is undone: only an applied one can be undone/);
  }),
);

apply('undo refuses once the policy changed after the remediation, and prints the backup', () =>
  withScanned(async (sandbox, { run }) => {
    const original = sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.policy;
    const { id } = JSON.parse((await run('remediate', arn(KEYS.shared), '--yes', '--format', 'json')).stdout);
    const later = policyOf(owner, {
      Sid: 'Later',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OWN}:role/New` },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    sandbox.setKeyPolicy(OWN, 'us-east-1', KEYS.shared, later);
    const undo = await run('undo', id, '--yes');
    assert.is(undo.code, 1);
    assert.match(undo.stderr, /the key policy changed since the remediation wrote it/);
    assert.match(undo.stdout, /The backup:/);
    assert.ok(undo.stdout.includes(original ?? '?'));
    assert.is(sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.policy, later);
  }),
);

for (const [code, message] of [
  ['AccessDeniedException', /AccessDeniedException/],
  ['MalformedPolicyDocumentException', /MalformedPolicyDocumentException/],
  ['LimitExceededException', /LimitExceededException/],
  ['ThrottlingException', /ThrottlingException/],
] as const) {
  apply(`PutKeyPolicy failing with ${code} changes nothing, says so, and marks nothing remediated`, () =>
    withScanned(async (sandbox, { run, findings }) => {
      const original = sandbox.keyState(OWN, 'us-east-1', KEYS.shared);
      sandbox.failNext('PutKeyPolicy', code, `injected ${code}`, 5);
      const result = await run('remediate', arn(KEYS.shared), '--yes');
      assert.is(result.code, 1);
      assert.match(result.stderr, /failed: PutKeyPolicy failed/);
      assert.match(result.stderr, message);
      assert.match(
        result.stderr,
        /Changed: nothing\. Not changed: the key policy was not changed; grant g-foreign was not revoked/,
      );
      assert.equal(sandbox.keyState(OWN, 'us-east-1', KEYS.shared), original);
      assert.ok((await findings()).filter((f) => f.keyId === KEYS.shared).every((f) => f.status === 'open'));
      const [r] = JSON.parse((await run('remediations', '--format', 'json')).stdout).remediations;
      assert.is(r.status, 'failed');
    }),
  );
}

apply('RevokeGrant failing after the policy was written: the policy part is recorded as done, the grant as not', () =>
  withScanned(async (sandbox, { run, findings }) => {
    sandbox.failNext('RevokeGrant', 'AccessDeniedException', 'not allowed to revoke', 5);
    const result = await run('remediate', arn(KEYS.shared), '--yes');
    assert.is(result.code, 1);
    assert.match(
      result.stderr,
      /Changed: the key policy was replaced with the planned one\. Not changed: grant g-foreign was not revoked/,
    );
    const mine = (await findings()).filter((f) => f.keyId === KEYS.shared);
    assert.equal(mine.map((f) => [f.principal === FOREIGN ? 'policy' : 'grant', f.status]).sort(), [
      ['grant', 'open'],
      ['policy', 'resolved'],
    ]);
  }),
);

apply(
  'KMS refusing a principal that no longer exists: nothing changed; a deleted principal in the plan is refused by KMS, not by us',
  () =>
    withScanned(async (sandbox, { run }) => {
      const original = sandbox.keyState(OWN, 'us-east-1', KEYS.ghost)?.policy;
      const result = await run('remediate', arn(KEYS.ghost), '--yes');
      assert.is(result.code, 1);
      assert.match(
        result.stderr,
        /MalformedPolicyDocumentException: Policy contains a statement with one or more invalid principals/,
      );
      assert.is(sandbox.keyState(OWN, 'us-east-1', KEYS.ghost)?.policy, original);
    }),
);

apply('a key managed as code is refused with the corrected policy to put in the template, unless forced', () =>
  withScanned(async (sandbox, { run }) => {
    const refused = await run('remediate', arn(KEYS.managed), '--yes');
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /managed as code \(tag aws:cloudformation:stack-name=payments-prod\)/);
    assert.match(refused.stdout, /Corrected policy for the template:\n\{/);
    assert.match(refused.stdout, /"kms:CallerAccount": "111111111111"/);
    const forced = await run('remediate', arn(KEYS.managed), '--yes', '--force-managed');
    assert.is(forced.code, 0, forced.stderr);
    assert.match(sandbox.keyState(OWN, 'us-east-1', KEYS.managed)?.policy ?? '', /kms:CallerAccount/);
  }),
);

apply('the command line: off unless enabled, a dry run changes nothing, no terminal means no consent', async () => {
  await withScanned(async (sandbox, { run }) => {
    const off = await run('remediate', arn(KEYS.shared), '--yes');
    assert.is(off.code, 2);
    assert.match(off.stderr, /remediation is off: set remediation.enabled: true/);
    const dry = await run('remediate', arn(KEYS.shared), '--dry-run', '--format', 'json');
    assert.is(dry.code, 0, dry.stderr);
    assert.equal(
      JSON.parse(dry.stdout).plan.revocations.map((r: { grantId: string }) => r.grantId),
      ['g-foreign'],
    );
    const text = await run('remediate', arn(KEYS.shared), '--dry-run');
    assert.match(text.stdout, /Key policy:\n {2}- statement "Shared": remove 999999999999/);
    assert.match(
      text.stdout,
      /AWS calls: kms:PutKeyPolicy \(BypassPolicyLockoutSafetyCheck false\), kms:RevokeGrant g-foreign/,
    );
    assert.ok(sandbox.keyState(OWN, 'us-east-1', KEYS.shared)?.grants.length === 1);
  }, 'remediation: { enabled: false }\n');
  await withScanned(async (_sandbox, { run }) => {
    const asked = await run('remediate', arn(KEYS.shared));
    assert.is(asked.code, 1);
    assert.match(asked.stderr, /there is no terminal to confirm on; pass --yes/);
    const bad = await run('remediate', 'not-an-arn', '--yes');
    assert.is(bad.code, 2);
    const unknown = await run('remediate', arn('00000000-0000-4000-8000-000000000000'), '--yes');
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /the record has no key/);
  });
});

apply.run();
