import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { composeAws, openRecordFor } from '../../src/compose.js';
import { parseConfig } from '../../src/config/load-config.js';
import { scanPlanFrom } from '../../src/config/scan-plan-from-config.js';
import type { World } from '../../src/sandbox/index.js';
import { ScanAborted, scanAndRecord } from '../../src/usecases/scan-and-record.js';
import { cleanKeys, keyId, sharedWith, withSandbox } from '../helpers/sandbox.js';

const longLived = suite('a long-running front end: one scan-and-record use case, parts that close');
const A = '111111111111';
const B = '222222222222';
const FOREIGN = '999999999999';

function world(latencyMs = 0): World {
  const region = (account: string, name: string) => ({
    name,
    keys: [...cleanKeys(account, 3), { keyId: keyId(), policy: sharedWith(account, FOREIGN) }],
  });
  return {
    callerAccount: A,
    latencyMs,
    accounts: [
      { id: A, regions: [region(A, 'us-east-1'), region(A, 'eu-west-1')] },
      { id: B, roles: [{ name: 'KmsSentinelAudit' }], regions: [region(B, 'us-east-1'), region(B, 'eu-west-1')] },
    ],
  };
}

const CONFIG = `
accounts: [{ id: "${A}", name: main }, { id: "${B}", name: other }]
regions: [us-east-1, eu-west-1]
`;

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-long-'));
  return { db: join(dir, 'k.db') };
}

/** Resources that keep a process alive (sockets, servers, timers), counted by type. */
function handles(): number {
  return process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
}

longLived('a second front end scans a scope, as someone, through the same use case as the CLI', async () => {
  await withSandbox(world(), async () => {
    const config = parseConfig(CONFIG, 'test');
    const { db } = files();
    const aws = await composeAws(config, process.env);
    const record = await openRecordFor(config, db, 'create');
    try {
      const report = await scanAndRecord(aws, record, scanPlanFrom(config), {
        startedBy: 'slack:U0TESTER',
        scope: { accounts: [B], regions: ['eu-west-1'] },
      });
      assert.equal([report.scan.accounts, report.scan.regions, report.scan.complete], [1, 1, true]);
      assert.equal(
        [...report.findings()].map((f) => [f.accountId, f.region, f.principal, f.kind]),
        [[B, 'eu-west-1', FOREIGN, 'account']],
      );
      assert.equal(report.record, { newFindings: 1, stillOpen: 0, resolved: 0 });
      const [scan] = record.scans(1);
      assert.equal([scan?.startedBy, scan?.accounts, scan?.regions], ['slack:U0TESTER', 1, 1]);
    } finally {
      await record.close();
      await aws.close();
    }
  });
});

longLived('an aborted scan stops, records nothing and leaves nothing staged', async () => {
  await withSandbox(world(100), async (sandbox) => {
    const config = parseConfig(CONFIG, 'test');
    const { db } = files();
    const aws = await composeAws(config, process.env);
    const record = await openRecordFor(config, db, 'create');
    try {
      const stop = new AbortController();
      const reading = (async () => {
        for (;;) {
          const [name] = await once(sandbox.events, 'request');
          if (name === 'kms:GetKeyPolicy') return;
        }
      })();
      const scan = scanAndRecord(aws, record, scanPlanFrom(config), { startedBy: 'schedule', signal: stop.signal });
      await reading;
      stop.abort();
      const outcome = await scan.then(
        () => 'finished',
        (error: unknown) => error,
      );
      assert.instance(outcome, ScanAborted);
      assert.equal(record.scans(10), []);
      assert.equal(record.findings({ status: 'all', accountId: undefined }, new Date()), []);
      const raw = new Database(db, { readonly: true });
      assert.is(raw.prepare('SELECT count(*) FROM staged_keys').pluck().get(), 0);
      raw.close();
    } finally {
      await record.close();
      await aws.close();
    }
  });
});

longLived('fifty scans in one process: open handles and memory stay flat', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await withSandbox(world(), async () => {
    const config = parseConfig(CONFIG, 'test');
    const { db } = files();
    const aws = await composeAws(config, process.env, 'here');
    const record = await openRecordFor(config, db, 'create');
    const measure = () => {
      gc();
      return { handles: handles(), heapMB: process.memoryUsage().heapUsed / 1e6 };
    };
    try {
      let warm = { handles: 0, heapMB: 0 };
      for (let n = 1; n <= 50; n++) {
        const report = await scanAndRecord(aws, record, scanPlanFrom(config), { startedBy: 'schedule' });
        assert.is([...report.findings()].length, 4);
        if (n === 5) warm = measure();
      }
      const after = measure();
      // Pooled keep-alive connections come and go with each scan's concurrency; anything held per scan would add
      // at least 45 over the 45 scans between the two counts.
      assert.ok(after.handles <= warm.handles + 8, `handles: ${warm.handles} after 5 scans, ${after.handles} after 50`);
      assert.ok(
        after.heapMB - warm.heapMB < 8,
        `heap: ${warm.heapMB.toFixed(1)} MB after 5 scans, ${after.heapMB.toFixed(1)} MB after 50`,
      );
      assert.is(record.scans(100).length, 50);
    } finally {
      await record.close();
      await aws.close();
    }
  });
});

longLived.run();
