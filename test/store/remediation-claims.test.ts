import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MIGRATIONS } from '../../src/adapters/store/migrations.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { planRemediation } from '../../src/core/remediation/plan.js';
import { recordRemediationOutcome } from '../../src/usecases/remediation/record-outcome.js';
import type { KeyClaim, Store } from '../../src/usecases/store-port.js';
import { sharedKey } from '../helpers/scan-results.js';

const claims = suite('store: one claim per key, across processes, and none left behind by a process that stopped');
const ROOT = new URL('../..', import.meta.url).pathname;
const KEY = 'arn:aws:kms:us-east-1:111111111111:key/k-1';
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, seconds));
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
        renewedAt: at(0).toISOString(),
      },
    );
    assert.is(second.staleAt, at(60).toISOString(), 'taken over a minute after it was last renewed');
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

/** Rewrites the claim row as another process would have left it: another host, PID namespace or process. */
function heldElsewhere(path: string, fields: { host?: string; pid?: number; namespace?: string }) {
  const db = new Database(path);
  db.prepare(
    'UPDATE remediation_claims SET host = coalesce(?, host), pid = coalesce(?, pid), pid_namespace = coalesce(?, pid_namespace)',
  ).run(fields.host ?? null, fields.pid ?? null, fields.namespace ?? null);
  db.close();
}

for (const [where, fields] of [
  ['another machine', { host: 'another-machine', pid: 1 }],
  // A container restarted (node as PID 1 in a new PID namespace), on the same host name.
  ['another PID namespace of this machine (a container since restarted)', { pid: 1, namespace: 'pid:[4026599999]' }],
] as const) {
  claims(
    `a claim of ${where} is honoured while its holder renews it, and taken over a minute after its last renewal`,
    withStore((store, path) => {
      assert.ok(store.claimKey(claim('far', 'cli:dave'), at(0)).taken);
      heldElsewhere(path, fields);
      const refused = store.claimKey(claim('near'), at(59));
      assert.ok(!refused.taken);
      assert.is(refused.holder.pid, 1);
      assert.is(refused.holder.renewedAt, at(0).toISOString());
      // Its holder is at work: it renews the lease, which holds a minute from then.
      assert.ok(store.renewKey(KEY, 'far', at(50)));
      const later = store.claimKey(claim('near'), at(109));
      assert.ok(!later.taken);
      assert.is(later.holder.renewedAt, at(50).toISOString());
      assert.is(later.staleAt, at(110).toISOString());

      const taken = store.claimKey(claim('near', 'slack:U3'), at(111));
      assert.ok(taken.taken, 'not renewed for over a minute: its holder stopped');
      assert.is(taken.replaced?.claimId, 'far');
      const [row] = store.audit(10).filter((a) => a.action === 'remediation-claim-taken-over');
      assert.is(row?.actor, 'slack:U3');
      assert.is((row?.before as { renewedAt?: string } | undefined)?.renewedAt, at(50).toISOString());
      assert.not.ok(store.renewKey(KEY, 'far', at(112)), 'the old holder learns the key is no longer its own');
      assert.not.ok(store.claimKey(claim('third'), at(112)).taken, 'the new holder holds it');
    }),
  );
}

claims(
  'a dead holder whose process ID now belongs to another process holds the key only until its lease is stale',
  withStore((store, path) => {
    assert.ok(store.claimKey(claim('dead', 'cli:erin'), at(0)).taken);
    // Its process is gone; the ID it had is now another running process's (this machine, this PID namespace).
    const unrelated = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
    try {
      heldElsewhere(path, { pid: unrelated.pid as number });
      assert.not.ok(store.claimKey(claim('next'), at(30)).taken, 'a running process: the lease decides');
      const taken = store.claimKey(claim('next'), at(61));
      assert.ok(taken.taken);
      assert.is(taken.replaced?.pid, unrelated.pid);
    } finally {
      unrelated.kill();
    }
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
      from: ['applying' as const],
      holder: { keyArn: key.keyArn, claimId: 'r1' },
      release: true,
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

claims(
  'a writer whose claim was taken over, or whose remediation moved on since it read it, records nothing: no status, audit row, notification or key change',
  withStore((store) => {
    const key = sharedKey('111111111111', 'k-1');
    store.replaceKey(key, at(0));
    const plan = planRemediation({ key, trusted: [] });
    const start = {
      id: 'rem-a',
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
    };
    const holderA = { keyArn: KEY, claimId: 'a' };
    const holderB = { keyArn: KEY, claimId: 'b' };
    assert.ok(store.claimKey(claim('a'), at(0)).taken);
    store.startRemediation(start, at(0), holderA);
    // A stopped renewing; B takes the key over a minute later (as from another machine: the lease decides).
    assert.ok(store.claimKey(claim('b', 'cli:bob'), at(61)).taken);
    const rows = () => store.audit(100).length;
    const queued = () => store.outbox(100).length;
    const before = { audit: rows(), outbox: queued(), key: store.storedKey(KEY) };
    const outcome = (holder: { keyArn: string; claimId: string }, from: ('applying' | 'applied' | 'undoing')[]) => ({
      id: 'rem-a',
      status: 'failed' as const,
      from,
      outcome: { changed: [], notChanged: ['the key policy is not the planned one'] },
      key: { ...key, policy: '{"Version":"2012-10-17","Statement":[]}' },
      cause: 'remediated rem-a',
      actor: 'kms-sentinel',
      now: at(62),
      holder,
      release: true,
    });
    const answers = {
      lostOutcome: recordRemediationOutcome(store, outcome(holderA, ['applying'])),
      lostStart: store.startRemediation({ ...start, id: 'rem-a2' }, at(62), holderA),
      lostUndo: store.startUndo('rem-a', 'p', 'cli:alice', at(62), holderA),
      lostCancel: store.cancelUndo('rem-a', { why: 'stale' }, 'cli:alice', at(62), holderA),
      // B holds the key, but rem-a is not in the state these writers read.
      movedOutcome: recordRemediationOutcome(store, outcome(holderB, ['undoing'])),
      movedCancel: store.cancelUndo('rem-a', { why: 'not undoing' }, 'cli:bob', at(62), holderB),
    };
    assert.is(store.remediation('rem-a')?.status, 'applying');
    assert.is(store.remediation('rem-a2'), undefined, 'A starts nothing more either');
    assert.equal(
      { audit: rows(), outbox: queued(), key: store.storedKey(KEY) },
      before,
      'nothing written: no audit row, no notification, the key as it was',
    );
    assert.equal(answers, {
      lostOutcome: false,
      lostStart: false,
      lostUndo: false,
      lostCancel: false,
      movedOutcome: false,
      movedCancel: false,
    });
    assert.not.ok(store.claimKey(claim('c'), at(63)).taken, "B's claim stands: A's release let nothing go");
    // The holder of the key, writing from the state it read, records.
    assert.is(recordRemediationOutcome(store, outcome(holderB, ['applying'])), true);
    assert.is(store.remediation('rem-a')?.status, 'failed');
    assert.is(
      recordRemediationOutcome(store, outcome(holderB, ['applying'])),
      false,
      'recorded once: the key was let go with it',
    );
  }),
);

claims('a database from before leases and undo records upgrades in place, keeping remediations and claims', () => {
  const path = freshPath();
  const before = MIGRATIONS.findIndex((m) => m.includes('remediations_v12'));
  const old = new Database(path);
  for (const m of MIGRATIONS.slice(0, before)) old.exec(m);
  old.pragma(`user_version = ${before}`);
  old
    .prepare(
      `INSERT INTO remediations (id, key_arn, account_id, region, key_id, actor, reason, started_at, finished_at, status, backup_policy, backup_hash, written_policy, plan, revoked, outcome)
       VALUES ('rem-old', ?, '111111111111', 'us-east-1', 'k-1', 'cli:alice', 'test', ?, ?, 'applied', '{"b":1}', 'h', '{"w":1}', '{"revocations":[]}', '[]', '{"changed":[]}')`,
    )
    .run(KEY, at(0).toISOString(), at(1).toISOString());
  old
    .prepare(
      `INSERT INTO remediation_claims (key_arn, claim_id, action, remediation_id, actor, host, pid, pid_namespace, claimed_at)
       VALUES (?, 'c-old', 'undo', 'rem-old', 'cli:alice', 'another-machine', 1, '', ?)`,
    )
    .run(KEY, at(0).toISOString());
  old.close();
  const store = new SqliteStore(path);
  try {
    const r = store.remediation('rem-old');
    assert.equal([r?.status, r?.writtenPolicy, r?.outcome, r?.undo], ['applied', '{"w":1}', { changed: [] }, null]);
    const held = store.claimKey(claim('new'), at(30));
    assert.ok(!held.taken);
    assert.is(held.holder.renewedAt, at(0).toISOString(), 'a claim from before counts from when it was taken');
    assert.ok(store.claimKey(claim('new'), at(61)).taken);
    store.startUndo('rem-old', '{"b":1}', 'cli:bob', at(62));
    assert.is(store.remediation('rem-old')?.status, 'undoing', 'the new state is allowed');
  } finally {
    store.close();
  }
});

claims.run();
