import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../../src/sandbox/index.js';
import { cli } from '../helpers/cli.js';
import { keyId, sharedWith, withSandbox } from '../helpers/sandbox.js';

const record = suite('kms-sentinel: scans recorded, trust, findings, ack, scans, audit');
const A = '111111111111';
const FOREIGN = '999999999999';

function world(): World {
  return {
    callerAccount: A,
    accounts: [
      {
        id: A,
        regions: [
          { name: 'us-east-1', keys: [{ keyId: keyId(), aliases: ['alias/shared'], policy: sharedWith(A, FOREIGN) }] },
        ],
      },
    ],
  };
}

record(
  'a scan is recorded by default; the second says the finding is still open; --no-store writes nothing',
  async () => {
    await withSandbox(world(), async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-rec-'));
      const db = join(dir, 'data', 'k.db');
      const config = join(dir, 'kms-sentinel.yml');
      writeFileSync(config, `regions: [us-east-1]\ndatabase: ${db}\n`);
      const env = { ...process.env, USER: 'alice' };
      const first = await cli(['scan', '--config', config, '--format', 'json'], '', env);
      assert.is(first.code, 1, first.stderr);
      assert.equal(JSON.parse(first.stdout).record, { database: db, newFindings: 1, stillOpen: 0, resolved: 0 });
      const second = await cli(['scan', '--config', config], '', env);
      assert.match(second.stdout, new RegExp(`Recorded in ${db}: 0 new, 1 still open, 0 resolved`));
      const dry = join(dir, 'dry.db');
      await cli(['scan', '--config', config, '--db', dry, '--no-store'], '', env);
      assert.not.ok(existsSync(dry));

      const scans = JSON.parse((await cli(['scans', '--config', config, '--format', 'json'], '', env)).stdout).scans;
      assert.equal(
        scans.map((s: { startedBy: string; newFindings: number }) => [s.startedBy, s.newFindings]),
        [
          ['cli:alice', 0],
          ['cli:alice', 1],
        ],
      );

      const listed = JSON.parse(
        (await cli(['findings', '--config', config, '--format', 'json'], '', env)).stdout,
      ).findings;
      assert.is(listed.length, 1);
      assert.is(listed[0].timesSeen, 2);
      const fingerprint = listed[0].fingerprint as string;

      const acked = await cli(
        ['ack', fingerprint, '--reason', 'known partner', '--until', '2099-01-01', '--config', config],
        '',
        env,
      );
      assert.is(acked.code, 0, acked.stderr);
      assert.is(
        JSON.parse(
          (await cli(['findings', '--status', 'acknowledged', '--config', config, '--format', 'json'], '', env)).stdout,
        ).findings.length,
        1,
      );

      const trusted = await cli(['trust', 'add', FOREIGN, '--note', 'backup vendor', '--config', config], '', env);
      assert.match(trusted.stdout, /999999999999 is trusted\. 1 finding resolved\./);
      assert.match(
        (await cli(['findings', '--config', config, '--status', 'resolved'], '', env)).stdout,
        /resolved .*trusted: 999999999999/,
      );
      const list = JSON.parse((await cli(['trust', 'list', '--config', config, '--format', 'json'], '', env)).stdout);
      assert.equal(
        list.map((t: { entry: string; addedBy: string; note: string }) => [t.entry, t.addedBy, t.note]),
        [[FOREIGN, 'cli:alice', 'backup vendor']],
      );

      const dryLook = await cli(['scan', '--config', config, '--no-store', '--format', 'json'], '', env);
      assert.is(dryLook.code, 0, 'a dry look judges with the recorded trust list too');
      assert.is(JSON.parse(dryLook.stdout).record, undefined);

      const missing = await cli(['trust', 'remove', '888888888888', '--config', config], '', env);
      assert.is(missing.code, 2);
      assert.match(missing.stderr, /not on the trust list/);
      const bad = await cli(['trust', 'add', '8888', '--config', config], '', env);
      assert.is(bad.code, 2);
      assert.match(bad.stderr, /12-digit account ID \(111122223333\)/);

      const audit = JSON.parse(
        (await cli(['audit', '--config', config, '--format', 'json', '--limit', '3'], '', env)).stdout,
      ).audit;
      assert.equal(
        audit.map((a: { action: string }) => a.action),
        ['finding-resolved', 'trust-added', 'finding-acknowledged'],
      );
    });
  },
);

record("the config file's trusted entries are imported once and never silently removed", async () => {
  await withSandbox(world(), async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-rec-'));
    const config = join(dir, 'kms-sentinel.yml');
    writeFileSync(config, `regions: [us-east-1]\ndatabase: ${join(dir, 'k.db')}\ntrusted: ["${FOREIGN}"]\n`);
    const first = await cli(['scan', '--config', config, '--format', 'json'], '', { ...process.env });
    assert.is(first.code, 0, first.stderr);
    writeFileSync(config, `regions: [us-east-1]\ndatabase: ${join(dir, 'k.db')}\n`);
    const second = await cli(['scan', '--config', config, '--format', 'json'], '', { ...process.env });
    assert.is(second.code, 0, 'still trusted: the database is the source of truth');
    const list = JSON.parse((await cli(['trust', 'list', '--config', config, '--format', 'json'], '', {})).stdout);
    assert.equal(
      list.map((t: { entry: string; addedBy: string }) => [t.entry, t.addedBy]),
      [[FOREIGN, 'config']],
    );
  });
});

record.run();
