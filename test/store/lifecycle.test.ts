import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MIGRATIONS } from '../../src/adapters/store/migrations.js';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { SentinelError } from '../../src/core/errors.js';
import { fingerprintOf } from '../../src/core/findings/fingerprint.js';
import { acknowledge } from '../../src/usecases/acknowledge.js';
import type { Store } from '../../src/usecases/store-port.js';
import { addTrust, removeTrust } from '../../src/usecases/trust-list.js';
import { keyWith, OWNER, recordScanned, STRANGER, scanOf } from '../helpers/scan-results.js';

const lifecycle = suite('store: findings that live across scans');
const FINGERPRINT_OF_KEY_A = 'd672e9af031cc7898d5f1fe49c2003b0';
const day = (n: number) => new Date(Date.UTC(2026, 10, n));
const freshPath = () => join(mkdtempSync(join(tmpdir(), 'kms-sentinel-store-')), 'nested', 'kms.db');

function withStore(test: (store: Store, path: string) => void | Promise<void>) {
  return async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      await test(store, path);
    } finally {
      store.close();
    }
  };
}

const strangerKey = () => keyWith('key-a', [STRANGER]);
const all = (store: Store) => store.findings({ status: 'all', accountId: undefined }, day(28));

// --- migrations

lifecycle('an empty file gets the whole schema, in a folder created on the way', () => {
  const path = freshPath();
  new SqliteStore(path).close();
  const db = new Database(path, { readonly: true });
  assert.is(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

lifecycle('a database of the previous schema version upgrades in place and keeps its data', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-store-')), 'old.db');
  const old = new Database(path);
  old.exec(MIGRATIONS[0] as string);
  old.pragma('user_version = 1');
  old
    .prepare(
      "INSERT INTO trust (entry, kind, note, added_by, added_at) VALUES ('123412341234', 'account', 'from v1', 'cli:alice', '2026-01-01T00:00:00Z')",
    )
    .run();
  old.close();
  const store = new SqliteStore(path);
  try {
    assert.equal(
      store.listTrust().map((t) => [t.entry, t.note, t.addedBy]),
      [['123412341234', 'from v1', 'cli:alice']],
    );
    recordScanned(store, scanOf([strangerKey()]), 'test', day(2));
    assert.is(store.outbox(10).length, 1, 'the table version 2 added works');
  } finally {
    store.close();
  }
});

// --- fingerprints

lifecycle('a fingerprint depends on where and to whom, not on what may change while the exposure stays', () => {
  const base = {
    accountId: OWNER,
    region: 'us-east-1',
    keyId: 'k',
    source: 'policy' as const,
    statement: 'Shared',
    grantId: null,
    principal: STRANGER,
  };
  assert.is(fingerprintOf(base).length, 32);
  assert.is(fingerprintOf(base), fingerprintOf({ ...base, ...{ severity: 'critical', actions: ['kms:Encrypt'] } }));
  for (const change of [
    { principal: '888888888888' },
    { statement: 'Other' },
    { region: 'eu-west-1' },
    { keyId: 'k2' },
    { source: 'grant' as const, grantId: 'g' },
  ]) {
    assert.is.not(fingerprintOf({ ...base, ...change }), fingerprintOf(base), JSON.stringify(change));
  }
});

lifecycle('fingerprints are stable across releases (a change here orphans every stored finding)', () => {
  assert.is(
    fingerprintOf({
      accountId: '111111111111',
      region: 'us-east-1',
      keyId: 'key-a',
      source: 'policy',
      statement: 'Shared',
      grantId: null,
      principal: '999999999999',
    }),
    FINGERPRINT_OF_KEY_A,
  );
});

// --- status transitions

lifecycle(
  'the same exposure seen in several scans is one finding, with first and last seen and a count',
  withStore((store) => {
    const first = recordScanned(store, scanOf([strangerKey()], { at: day(1) }), 'schedule', day(1));
    assert.equal(first, { newFindings: 1, stillOpen: 0, resolved: 0 });
    const second = recordScanned(store, scanOf([strangerKey()], { at: day(2) }), 'schedule', day(2));
    assert.equal(second, { newFindings: 0, stillOpen: 1, resolved: 0 });
    const [finding] = all(store);
    assert.is(finding?.status, 'open');
    assert.is(finding?.timesSeen, 2);
    assert.is(finding?.firstSeen, day(1).toISOString());
    assert.is(finding?.lastSeen, day(2).toISOString());
    assert.equal(
      store.outbox(10).map((o) => o.kind),
      ['finding-opened'],
      'notified once, not twice',
    );
    assert.equal(
      store.scans(5).map((s) => [s.startedBy, s.newFindings, s.stillOpen]),
      [
        ['schedule', 0, 1],
        ['schedule', 1, 0],
      ],
    );
  }),
);

lifecycle(
  'a finding no longer seen in a complete scan resolves; when it reappears it reopens with its history',
  withStore((store) => {
    recordScanned(store, scanOf([strangerKey()]), 'cli:alice', day(1));
    const fixed = recordScanned(store, scanOf([keyWith('key-a', [])]), 'cli:alice', day(2));
    assert.equal(fixed, { newFindings: 0, stillOpen: 0, resolved: 1 });
    let [finding] = all(store);
    assert.is(finding?.status, 'resolved');
    assert.is(finding?.resolvedAt, day(2).toISOString());
    assert.match(finding?.resolvedCause ?? '', /no longer seen/);
    const back = recordScanned(store, scanOf([strangerKey()]), 'cli:alice', day(3));
    assert.equal(back, { newFindings: 1, stillOpen: 0, resolved: 0 });
    [finding] = all(store);
    assert.is(finding?.status, 'open');
    assert.is(finding?.firstSeen, day(1).toISOString());
    assert.is(finding?.timesSeen, 2);
    assert.equal(
      store.outbox(10).map((o) => o.kind),
      ['finding-opened', 'finding-resolved', 'finding-reopened'],
    );
    assert.equal(
      store
        .audit(10)
        .map((a) => a.action)
        .reverse(),
      ['finding-opened', 'finding-resolved', 'finding-reopened'],
    );
  }),
);

lifecycle(
  'an incomplete scan never resolves findings where it could not read',
  withStore((store) => {
    recordScanned(store, scanOf([strangerKey(), keyWith('key-b', [STRANGER], 'eu-west-1')]), 'test', day(1));
    const partial = scanOf([], {
      coverage: [
        { accountId: OWNER, region: 'us-east-1', complete: false },
        { accountId: OWNER, region: 'eu-west-1', complete: true },
      ],
    });
    const changes = recordScanned(store, partial, 'test', day(2));
    assert.equal(changes, { newFindings: 0, stillOpen: 0, resolved: 1 });
    const byRegion = Object.fromEntries(all(store).map((f) => [f.region, f.status]));
    assert.equal(byRegion, { 'us-east-1': 'open', 'eu-west-1': 'resolved' });
    const failedAccount = scanOf([], { coverage: [{ accountId: OWNER, region: null, complete: false }] });
    assert.is(recordScanned(store, failedAccount, 'test', day(3)).resolved, 0);
  }),
);

lifecycle(
  'acknowledged: by whom, why, until when; it opens again after that date',
  withStore((store) => {
    recordScanned(store, scanOf([strangerKey()]), 'test', day(1));
    const [open] = all(store);
    const acked = acknowledge(store, {
      fingerprint: open?.fingerprint ?? '',
      reason: 'migration partner until December',
      until: '2026-11-20',
      actor: 'U0ALICE',
      now: day(2),
    });
    assert.equal(
      [acked.status, acked.ackBy, acked.ackReason, acked.ackUntil],
      ['acknowledged', 'U0ALICE', 'migration partner until December', '2026-11-20T00:00:00.000Z'],
    );
    assert.equal(recordScanned(store, scanOf([strangerKey()]), 'test', day(10)), {
      newFindings: 0,
      stillOpen: 1,
      resolved: 0,
    });
    assert.is(store.findings({ status: 'acknowledged', accountId: undefined }, day(10)).length, 1);
    const later = store.findings({ status: 'open', accountId: undefined }, day(21));
    assert.is(later.length, 1, 'open again after the date');
    assert.is(store.audit(1)[0]?.action, 'finding-acknowledged', 'a read writes nothing');
    recordScanned(store, scanOf([strangerKey()]), 'test', day(22));
    assert.equal(
      store.audit(2).map((a) => a.action),
      ['acknowledgement-expired', 'finding-acknowledged'],
    );
    assert.equal(
      store.outbox(10).map((o) => o.kind),
      ['finding-opened', 'finding-acknowledged', 'acknowledgement-expired'],
    );
  }),
);

lifecycle(
  'acknowledging needs a known, unresolved finding, a reason and a future date',
  withStore((store) => {
    recordScanned(store, scanOf([strangerKey()]), 'test', day(1));
    const fingerprint = all(store)[0]?.fingerprint ?? '';
    const refuse = (ack: Parameters<typeof acknowledge>[1], message: RegExp) => {
      try {
        acknowledge(store, ack);
        assert.unreachable();
      } catch (error) {
        assert.instance(error, SentinelError);
        assert.match((error as Error).message, message);
      }
    };
    refuse(
      { fingerprint: 'nope', reason: 'x', until: undefined, actor: 'a', now: day(2) },
      /no finding has the fingerprint nope/,
    );
    refuse({ fingerprint, reason: '  ', until: undefined, actor: 'a', now: day(2) }, /needs a reason/);
    refuse({ fingerprint, reason: 'ok', until: 'someday', actor: 'a', now: day(2) }, /is not a date/);
    refuse({ fingerprint, reason: 'ok', until: '2026-11-01', actor: 'a', now: day(2) }, /already past/);
    recordScanned(store, scanOf([keyWith('key-a', [])]), 'test', day(3));
    refuse({ fingerprint, reason: 'ok', until: undefined, actor: 'a', now: day(4) }, /is resolved/);
  }),
);

// --- trust

lifecycle(
  'trusting an account resolves its findings at once; untrusting brings them back as open',
  withStore((store) => {
    recordScanned(
      store,
      scanOf([strangerKey(), keyWith('key-b', [`arn:aws:iam::${STRANGER}:role/Reader`, '888888888888'])]),
      'test',
      day(1),
    );
    assert.is(store.findings({ status: 'open', accountId: undefined }, day(1)).length, 3);
    const trusted = addTrust(store, STRANGER, 'partner', 'cli:alice', day(2));
    assert.is(trusted.resolved, 2);
    const open = store.findings({ status: 'open', accountId: undefined }, day(2));
    assert.equal(
      open.map((f) => f.principal),
      ['888888888888'],
    );
    const resolved = store.findings({ status: 'resolved', accountId: undefined }, day(2));
    assert.ok(resolved.every((f) => f.resolvedCause === `trusted: ${STRANGER}`));
    const untrusted = removeTrust(store, STRANGER, 'U0BOB', day(3));
    assert.is(untrusted.newFindings, 2);
    assert.is(store.findings({ status: 'open', accountId: undefined }, day(3)).length, 3);
    const trustAudit = store.audit(20).filter((a) => a.action.startsWith('trust-'));
    assert.equal(
      trustAudit.map((a) => [a.action, a.actor, a.subject]),
      [
        ['trust-removed', 'U0BOB', STRANGER],
        ['trust-added', 'cli:alice', STRANGER],
      ],
    );
    assert.equal(store.listTrust(), []);
  }),
);

lifecycle(
  'a malformed trust entry is refused and nothing is stored; removing a missing one says so',
  withStore((store) => {
    for (const bad of ['12345', 'arn:aws:iam::*:root', 'partner']) {
      try {
        addTrust(store, bad, null, 'cli:alice', day(1));
        assert.unreachable(bad);
      } catch (error) {
        assert.match((error as Error).message, /12-digit account ID/);
      }
    }
    assert.equal(store.listTrust(), []);
    assert.equal(store.audit(5), []);
    try {
      removeTrust(store, STRANGER, 'cli:alice', day(1));
      assert.unreachable();
    } catch (error) {
      assert.is((error as SentinelError).code, 'not-found');
    }
  }),
);

// --- outbox

lifecycle(
  'a notification is written with the change that causes it, or not at all',
  withStore((store) => {
    try {
      store.transaction(() => {
        recordScanned(store, scanOf([strangerKey()]), 'test', day(1));
        throw new Error('killed mid-scan');
      });
    } catch {
      // The crash is the point.
    }
    assert.equal(all(store), []);
    assert.equal(store.outbox(10), []);
    assert.equal(store.scans(10), []);
    recordScanned(store, scanOf([strangerKey()]), 'test', day(2));
    const [note] = store.outbox(10);
    assert.is(note?.fingerprint, all(store)[0]?.fingerprint);
    store.markDelivered(note?.id ?? -1, null, day(2));
    assert.equal(store.outbox(10), []);
  }),
);

lifecycle.run();
