import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { fingerprintOf } from '../../src/core/findings/fingerprint.js';
import { evaluateKey } from '../../src/core/scan/evaluate-key.js';
import { trustZone } from '../../src/core/trust.js';
import type { Sandbox, World } from '../../src/sandbox/index.js';
import { trustedEntries } from '../../src/usecases/trust-list.js';
import { type CliResult, cli } from '../helpers/cli.js';
import { deadline } from '../helpers/clock.js';
import { keyId, sharedWith, withSandbox } from '../helpers/sandbox.js';

const race = suite('store: a trust change while a scan runs is never overwritten by the scan');
const OWNER = '111111111111';
const FOREIGN = '999999999999';
const PARTNER = '222222222222';

/** One account whose two keys let FOREIGN and PARTNER decrypt. */
function world(): World {
  return {
    callerAccount: OWNER,
    accounts: [
      {
        id: OWNER,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              { keyId: keyId(), policy: sharedWith(OWNER, FOREIGN) },
              { keyId: keyId(), policy: sharedWith(OWNER, PARTNER) },
            ],
          },
        ],
      },
    ],
  };
}

function setUp(): { db: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-race-'));
  const config = join(dir, 'kms-sentinel.yml');
  writeFileSync(config, 'regions: [us-east-1]\n');
  return { db: join(dir, 'k.db'), config };
}

/** The open findings on record, and those a fresh judgement of the stored keys under the stored trust list gives. */
function recordAndFreshJudgement(db: string): { recorded: string[]; fresh: string[] } {
  const store = new SqliteStore(db, 'existing');
  try {
    const trusted = trustedEntries(store);
    const fresh = [...store.storedKeys()]
      .flatMap((key) => evaluateKey(key, trustZone(key.accountId, trusted)).findings)
      .map((f) => `${fingerprintOf(f)} ${f.principal}`)
      .sort();
    const recorded = store
      .findings({ status: 'all', accountId: undefined }, new Date())
      .filter((f) => f.status !== 'resolved')
      .map((f) => `${f.fingerprint} ${f.principal}`)
      .sort();
    return { recorded, fresh };
  } finally {
    store.close();
  }
}

/**
 * Runs a scan and, while the sandbox holds the scan's first GetKeyPolicy (the scan has started and cannot record
 * before it is answered), `during` to its end; then lets the scan go on.
 */
async function scanWhile(
  sandbox: Sandbox,
  files: { db: string; config: string },
  during: () => Promise<CliResult>,
): Promise<{ scan: CliResult; change: CliResult }> {
  const held = sandbox.holdNext('GetKeyPolicy');
  const scan = cli(['scan', '--config', files.config, '--db', files.db, '--format', 'json'], '', process.env);
  await deadline(held.arrived, "the scan's first GetKeyPolicy");
  const change = await deadline(during(), 'the trust change while the scan waits');
  held.release();
  return { scan: await deadline(scan, 'the scan after the trust change'), change };
}

const principalsOf = (fingerprints: string[]) => fingerprints.map((f) => f.split(' ')[1]).sort();

race('trust remove during a scan: the finding comes back open and stays open after the scan records', async () => {
  await withSandbox(world(), async (sandbox) => {
    const files = setUp();
    assert.is((await cli(['trust', 'add', FOREIGN, '--db', files.db])).code, 0);
    const { scan, change } = await scanWhile(sandbox, files, () => cli(['trust', 'remove', FOREIGN, '--db', files.db]));
    assert.is(change.code, 0, change.stderr);
    assert.is(scan.code, 1, scan.stderr);
    const { recorded, fresh } = recordAndFreshJudgement(files.db);
    assert.equal(recorded, fresh);
    assert.equal(principalsOf(recorded), [PARTNER, FOREIGN].sort());
    const output = JSON.parse(scan.stdout) as { findings: { principal: string }[] };
    assert.equal(output.findings.map((f) => f.principal).sort(), [PARTNER, FOREIGN].sort(), 'the output agrees');
  });
});

race('trust add during a scan: no open finding is left against the account trusted meanwhile', async () => {
  await withSandbox(world(), async (sandbox) => {
    const files = setUp();
    assert.is((await cli(['trust', 'add', PARTNER, '--db', files.db])).code, 0);
    const { scan, change } = await scanWhile(sandbox, files, () => cli(['trust', 'add', FOREIGN, '--db', files.db]));
    assert.is(change.code, 0, change.stderr);
    assert.is(scan.code, 0, scan.stderr);
    const { recorded, fresh } = recordAndFreshJudgement(files.db);
    assert.equal(recorded, fresh);
    assert.equal(recorded, []);
  });
});

race(
  'a trust change after a scan recorded, and one before the next: the record always equals a fresh judgement',
  async () => {
    await withSandbox(world(), async () => {
      const files = setUp();
      const scan = () => cli(['scan', '--config', files.config, '--db', files.db], '', process.env);
      assert.is((await scan()).code, 1);
      for (const step of [
        () => cli(['trust', 'add', FOREIGN, '--db', files.db]),
        scan,
        () => cli(['trust', 'add', PARTNER, '--db', files.db]),
        () => cli(['trust', 'remove', FOREIGN, '--db', files.db]),
        scan,
      ]) {
        const result = await step();
        assert.ok(result.code === 0 || result.code === 1, result.stderr);
        const { recorded, fresh } = recordAndFreshJudgement(files.db);
        assert.equal(recorded, fresh);
      }
      assert.equal(principalsOf(recordAndFreshJudgement(files.db).recorded), [FOREIGN]);
    });
  },
);

race.run();
