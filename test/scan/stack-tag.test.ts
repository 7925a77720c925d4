import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Sandbox, World, WorldKey } from '../../src/sandbox/index.js';
import { cli } from '../helpers/cli.js';
import { keyId, ownerOnly, sharedWith, withSandbox } from '../helpers/sandbox.js';

const stacks = suite('scan: the CloudFormation stack that owns a key');
const A = '111111111111';
const FOREIGN = '999999999999';
const STACK_TAG = 'aws:cloudformation:stack-name';

interface Finding {
  keyId: string;
  principal: string;
  status: string;
  stack: string | null;
}

const worldOf = (keys: WorldKey[]): World => ({
  callerAccount: A,
  accounts: [{ id: A, regions: [{ name: 'us-east-1', keys }] }],
});

/** A sandbox serving `world`, and the CLI run against one config and database, as a user would run it. */
async function withEstate(world: World, fn: (run: Runner) => Promise<void>): Promise<void> {
  await withSandbox(world, async (sandbox) => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-stack-'));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(config, 'regions: [us-east-1]\n');
    const db = join(dir, 'kms-sentinel.db');
    const run = async (...args: string[]) => {
      // Every command opens the database afresh: each one is a restart.
      const result = await cli([...args, '--config', config, '--db', db], '', { ...process.env });
      return { ...result, json: () => JSON.parse(result.stdout) as Record<string, unknown> };
    };
    const findings = async (status = 'all') => {
      const out = await run('findings', '--status', status, '--format', 'json');
      assert.is(out.code, 0, out.stderr);
      return out.json().findings as Finding[];
    };
    await fn({ run, findings, sandbox });
  });
}

interface Runner {
  run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json(): Record<string, unknown> }>;
  findings(status?: string): Promise<Finding[]>;
  sandbox: Sandbox;
}

const tagReads = (sandbox: Sandbox) => sandbox.stats().byOperation['kms:ListResourceTags'] ?? 0;

stacks(
  'a finding names the stack that owns its key; only keys open beyond their account have their tags read',
  async () => {
    const owned = {
      keyId: keyId(),
      policy: sharedWith(A, FOREIGN),
      tags: { [STACK_TAG]: 'payments-stack', team: 'pay' },
    };
    const unowned = { keyId: keyId(), policy: sharedWith(A, FOREIGN) };
    const cleanOwned = Array.from({ length: 3 }, () => ({
      keyId: keyId(),
      policy: ownerOnly(A),
      tags: { [STACK_TAG]: 'clean-stack' },
    }));
    await withEstate(worldOf([owned, unowned, ...cleanOwned]), async ({ run, findings, sandbox }) => {
      const scan = await run('scan', '--format', 'json');
      assert.is(scan.code, 1, scan.stderr);
      const report = scan.json() as { scan: { complete: boolean }; findings: Finding[]; errors: unknown[] };
      assert.is(report.scan.complete, true);
      assert.equal(report.errors, []);
      assert.equal(
        report.findings.map((f) => [f.keyId, 'stack' in f ? f.stack : 'none']).sort(),
        [
          [owned.keyId, 'payments-stack'],
          [unowned.keyId, 'none'],
        ].sort(),
        "the scan's own report names the stack where there is one",
      );
      assert.is(tagReads(sandbox), 2, 'the two open keys: no tags read for the three clean ones');

      const recorded = await findings('open');
      assert.equal(recorded.find((f) => f.keyId === owned.keyId)?.stack, 'payments-stack');
      assert.is(recorded.find((f) => f.keyId === unowned.keyId)?.stack, null, '`stack` is in the JSON, null when none');
      const text = await run('findings');
      assert.match(text.stdout, new RegExp(`${owned.keyId} \\(CloudFormation stack payments-stack\\)`));
      assert.not.match(text.stdout, new RegExp(`${unowned.keyId} \\(CloudFormation`));
    });
  },
);

stacks(
  'a tags read that is denied leaves the stack unknown, never the key: the finding stands, the scan is complete',
  async () => {
    const owned = { keyId: keyId(), policy: sharedWith(A, FOREIGN), tags: { [STACK_TAG]: 'payments-stack' } };
    await withEstate(worldOf([owned]), async ({ run, findings, sandbox }) => {
      sandbox.failNext('ListResourceTags', 'AccessDeniedException', 'not authorized to perform kms:ListResourceTags');
      const first = await run('scan', '--format', 'json');
      assert.is(first.code, 1, first.stderr);
      const report = first.json() as { scan: { complete: boolean }; errors: unknown[] };
      assert.is(report.scan.complete, true, 'a stack that cannot be read is no gap in the scan');
      assert.equal(report.errors, []);
      assert.equal(
        (await findings()).map((f) => [f.keyId, f.principal, f.status, f.stack]),
        [[owned.keyId, FOREIGN, 'open', null]],
      );
      assert.not.match(first.stderr, /ListResourceTags|stack/, 'nothing said about it');

      assert.is((await run('scan', '--format', 'json')).code, 1);
      assert.equal(
        (await findings()).map((f) => f.stack),
        ['payments-stack'],
        'the next scan that can read the tags names the stack',
      );

      // The stack's tag is AWS's own and never changes: a later read that fails keeps the stack known.
      sandbox.failNext('ListResourceTags', 'AccessDeniedException', 'not authorized to perform kms:ListResourceTags');
      const third = await run('scan', '--format', 'json');
      assert.is(third.code, 1, third.stderr);
      assert.equal(
        (await findings()).map((f) => f.stack),
        ['payments-stack'],
      );
    });
  },
);

stacks('a finding a trust change opens from the record names the stack, after a restart too', async () => {
  const owned = { keyId: keyId(), policy: sharedWith(A, FOREIGN), tags: { [STACK_TAG]: 'payments-stack' } };
  const clean = { keyId: keyId(), policy: ownerOnly(A), tags: { [STACK_TAG]: 'clean-stack' } };
  await withEstate(worldOf([owned, clean]), async ({ run, findings, sandbox }) => {
    assert.is((await run('trust', 'add', FOREIGN)).code, 0);
    // Trusted, the key has no finding; it still lets an account outside its own in, so its stack is read.
    const scan = await run('scan', '--format', 'json');
    assert.is(scan.code, 0, scan.stderr);
    assert.is(tagReads(sandbox), 1);
    assert.equal(await findings(), []);

    // Each command below opens the database afresh, with no AWS call: the stack comes from the record.
    sandbox.resetStats();
    const removed = await run('trust', 'remove', FOREIGN);
    assert.is(removed.code, 0, removed.stderr);
    assert.equal(
      (await findings('open')).map((f) => [f.keyId, f.stack]),
      [[owned.keyId, 'payments-stack']],
    );
    assert.is(sandbox.stats().total, 0, 'judged again from the record');

    assert.is((await run('trust', 'add', FOREIGN)).code, 0);
    assert.equal(
      (await findings('resolved')).map((f) => f.stack),
      ['payments-stack'],
    );
    assert.is((await run('trust', 'remove', FOREIGN)).code, 0);
    assert.equal(
      (await findings('open')).map((f) => [f.keyId, f.stack]),
      [[owned.keyId, 'payments-stack']],
      'reopened with its stack',
    );
  });
});

stacks.run();
