import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { planRemediation } from '../../src/core/remediation/plan.js';
import { recordRemediationOutcome } from '../../src/usecases/remediation/record-outcome.js';
import type { KeyClaim, Store } from '../../src/usecases/store-port.js';
import { sharedKey } from '../helpers/scan-results.js';

const claims = suite('store: one claim per key, across processes, and none left behind by a process that stopped');
const ROOT = new URL('../..', import.meta.url).pathname;
const KEY = 'arn:aws:kms:us-east-1:111111111111:key/k-1';
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));
const freshPath = () => join(mkdtempSync(join(tmpdir(), 'kms-sentinel-claims-')), 'k.db');

const claim = (claimId: string, actor = 'cli:alice', action: KeyClaim['action'] = 'remediate'): KeyClaim => ({
  keyArn: KEY,
  claimId,
  action,
  remediationId: action === 'settle' ? null : `rem-${claimId}`,
  actor,
});

function withStore(test: (store: Store, path: string) => void) {
  return () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      test(store, path);
    } finally {
      store.close();
    }
  };
}

claims(
  'a held key is refused to a second claim, which is told who holds it; only its own release lets it go',
  withStore((store) => {
    assert.equal(store.claimKey(claim('a', 'slack:U1'), at(0)), { taken: true, replaced: undefined });
    const second = store.claimKey(claim('b', 'cli:bob', 'undo'), at(1));
    assert.ok(!second.taken);
    assert.equal(
      { ...second.holder, host: typeof second.holder.host },
      {
        keyArn: KEY,
        claimId: 'a',
        action: 'remediate',
        remediationId: 'rem-a',
        actor: 'slack:U1',
        host: 'string',
        pid: process.pid,
        claimedAt: at(0).toISOString(),
      },
    );
    assert.ok(store.claimKey({ ...claim('c'), keyArn: `${KEY}-other` }, at(1)).taken, 'another key is free');
    store.releaseKey(KEY, 'b');
    assert.not.ok(store.claimKey(claim('d'), at(2)).taken, 'a claim that does not hold the key releases nothing');
    store.releaseKey(KEY, 'a');
    assert.ok(store.claimKey(claim('e'), at(3)).taken);
  }),
);

claims(
  'the claim of a process that has stopped (killed, crashed) is taken over at once, and the audit says whose it was',
  withStore((store, path) => {
    // Another process takes the key and exits without letting it go.
    const script = `const { SqliteStore } = await import(${JSON.stringify(join(ROOT, 'src/adapters/store/sqlite-store.ts'))});
      const store = new SqliteStore(${JSON.stringify(path)});
      const got = store.claimKey(${JSON.stringify(claim('gone', 'cli:carol'))}, new Date(${at(0).getTime()}));
      process.stdout.write(JSON.stringify({ taken: got.taken, pid: process.pid }));`;
    const child = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { taken: boolean; pid: number };
    assert.ok(child.taken);
    const taken = store.claimKey(claim('next', 'slack:U2'), at(1));
    assert.ok(taken.taken, 'its process is gone: the key is not locked');
    assert.is(taken.replaced?.pid, child.pid);
    assert.is(taken.replaced?.actor, 'cli:carol');
    const [row] = store.audit(10).filter((a) => a.action === 'remediation-claim-taken-over');
    assert.is(row?.actor, 'slack:U2');
    assert.is((row?.before as { claimId?: string } | undefined)?.claimId, 'gone');
    assert.not.ok(store.claimKey(claim('third'), at(2)).taken, 'the new holder (alive) holds it');
  }),
);

claims(
  "another machine's claim is honoured until it is an hour old, then taken over",
  withStore((store, path) => {
    assert.ok(store.claimKey(claim('far', 'cli:dave'), at(0)).taken);
    const db = new Database(path);
    db.prepare("UPDATE remediation_claims SET host = 'another-machine', pid = 1").run();
    db.close();
    const refused = store.claimKey(claim('near'), at(59));
    assert.ok(!refused.taken && refused.holder.host === 'another-machine');
    const taken = store.claimKey(claim('near'), at(61));
    assert.ok(taken.taken);
    assert.is(taken.replaced?.host, 'another-machine');
  }),
);

claims(
  'the outcome of a remediation lets the key go in the same transaction; one that fails leaves it held',
  withStore((store) => {
    const key = sharedKey('111111111111', 'k-1');
    store.replaceKey(key, at(0));
    const plan = planRemediation({ key, trusted: [] });
    assert.ok(store.claimKey(claim('r1'), at(0)).taken);
    store.startRemediation(
      {
        id: 'rem-r1',
        keyArn: key.keyArn,
        accountId: key.accountId,
        region: key.region,
        keyId: key.keyId,
        actor: 'cli:alice',
        reason: 'test',
        backupPolicy: key.policy ?? '',
        backupHash: 'x',
        writtenPolicy: plan.after,
        plan,
      },
      at(0),
    );
    const outcome = {
      id: 'rem-r1',
      status: 'applied' as const,
      outcome: { changed: [], notChanged: [] },
      key: undefined,
      cause: 'remediated rem-r1',
      actor: 'cli:alice',
      now: at(1),
      release: { keyArn: key.keyArn, claimId: 'r1' },
    };
    // A write that fails inside the outcome's transaction rolls the release back with it.
    assert.throws(() =>
      store.transaction(() => {
        recordRemediationOutcome(store, outcome);
        throw new Error('the disk filled up');
      }),
    );
    assert.is(store.remediation('rem-r1')?.status, 'applying');
    assert.not.ok(store.claimKey(claim('r2'), at(2)).taken, 'still held');
    recordRemediationOutcome(store, outcome);
    assert.is(store.remediation('rem-r1')?.status, 'applied');
    assert.ok(store.claimKey(claim('r2'), at(2)).taken, 'let go with the outcome');
  }),
);

claims.run();
