import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { commitScan } from '../../src/usecases/record-scan.js';
import type { ScanError } from '../../src/usecases/scan-types.js';
import type { Store } from '../../src/usecases/store-port.js';
import { addTrust } from '../../src/usecases/trust-list.js';
import { commitStaged, keyWith, OWNER, recordScanned, STRANGER, scanOf } from '../helpers/scan-results.js';

const items = suite('store: keys that cannot be read or judged are open items of their own');
const day = (n: number) => new Date(Date.UTC(2026, 10, n));
const unresolved = (store: Store) =>
  store.findings({ status: 'all', accountId: undefined }, day(28)).filter((f) => f.status !== 'resolved');

function withStore(test: (store: Store) => void) {
  return () => {
    const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'kms-sentinel-items-')), 'k.db'));
    try {
      test(store);
    } finally {
      store.close();
    }
  };
}

/** What the scanner reports for a key whose policy denies it GetKeyPolicy (or even DescribeKey). */
function unreadable(key: KeySnapshot): ScanError {
  return {
    accountId: key.accountId,
    region: key.region,
    keyId: key.keyId,
    keyArn: key.keyArn,
    code: 'KeyPolicyUnreadable',
    message: 'the key policy does not let the scanner read it',
  };
}

/** A scan in which `key` could not be read: it is listed, so the rest of its region counts as read. */
function scanWithUnreadable(key: KeySnapshot, others: KeySnapshot[], at: Date) {
  const scan = scanOf(others, {
    at,
    coverage: [{ accountId: OWNER, region: 'us-east-1', complete: false, listed: true, keysUnread: [key.keyId] }],
  });
  return { ...scan, errors: [unreadable(key)] };
}

items(
  'an unreadable key is a high item, opened when first seen, kept while unreadable, resolved once readable',
  withStore((store) => {
    const locked = keyWith('key-locked', []);
    const first = commitStaged(store, scanWithUnreadable(locked, [], day(1)), { now: day(1) });
    assert.equal(first.changes, { newFindings: 1, stillOpen: 0, resolved: 0 });
    const [item] = unresolved(store);
    assert.equal(
      [item?.kind, item?.source, item?.severity, item?.keyArn, item?.status],
      ['unreadable', 'key', 'high', locked.keyArn, 'open'],
    );
    assert.match(item?.detail ?? '', /does not let the scanner read it/);
    assert.equal(
      store.outbox(10).map((o) => o.kind),
      ['finding-opened', 'scan-incomplete'],
    );

    const again = commitStaged(store, scanWithUnreadable(locked, [], day(2)), { now: day(2) });
    assert.equal(again.changes, { newFindings: 0, stillOpen: 1, resolved: 0 }, 'one item, however many scans');
    assert.is(unresolved(store)[0]?.timesSeen, 2);

    addTrust(store, STRANGER, null, 'cli:alice', day(3));
    assert.is(unresolved(store).length, 1, 'a trust change does not end it: nothing about the key is known');

    const readable = commitStaged(store, scanOf([locked], { at: day(4) }), { now: day(4) });
    assert.is(readable.changes.resolved, 1);
    assert.equal(unresolved(store), []);
    const resolved = store.findings({ status: 'resolved', accountId: undefined }, day(4));
    assert.is(resolved[0]?.resolvedCause, 'the key policy can be read again');
  }),
);

items(
  'a key that stays unreadable keeps its earlier exposures open beside its item',
  withStore((store) => {
    const key = keyWith('key-a', [STRANGER]);
    commitStaged(store, scanOf([key], { at: day(1) }), { now: day(1) });
    commitStaged(store, scanWithUnreadable(key, [], day(2)), { now: day(2) });
    assert.equal(
      unresolved(store)
        .map((f) => f.kind)
        .sort(),
      ['account', 'unreadable'],
    );
  }),
);

items(
  'the engine failing on one key fails closed: an analysis-error item, its findings kept, the scan incomplete',
  withStore((store) => {
    const good = keyWith('key-good', [STRANGER]);
    const shared = keyWith('key-odd', [STRANGER]);
    commitStaged(store, scanOf([good, shared], { at: day(1) }), { now: day(1) });
    // A grants list in a shape the engine never expected (a null entry): judging it throws.
    const odd = { ...shared, grants: [null as never] };
    const judged = scanOf([good], { at: day(2) });
    // The scan read both keys (the odd one cannot be judged up front, so the summary counts it by hand).
    const scan = { ...judged, scan: { ...judged.scan, keys: 2, customerManagedKeys: 2 } };
    store.stageKeys(scan.scan.id, [good, odd], day(2));
    const committed = commitScan(store, {
      outcome: { ...scan, organizationTrust: null },
      startedBy: 'test',
      now: day(2),
      runOnlyTrust: [],
    });
    assert.is(committed.complete, false);
    const kinds = unresolved(store).map((f) => `${f.keyId} ${f.kind}`);
    assert.equal(kinds.sort(), ['key-good account', 'key-odd account', 'key-odd analysis-error']);
    const errors = [...store.scanErrors(scan.scan.id)];
    assert.equal(
      errors.map((e) => [e.keyId, e.code]),
      [['key-odd', 'AnalysisError']],
    );
    assert.is(store.scans(1)[0]?.complete, false);
    assert.is(store.scans(1)[0]?.errors, 1);
    assert.ok(store.outbox(20).some((o) => o.kind === 'scan-incomplete'));

    commitStaged(store, scanOf([good, shared], { at: day(3) }), { now: day(3) });
    assert.equal(
      unresolved(store)
        .map((f) => `${f.keyId} ${f.kind}`)
        .sort(),
      ['key-good account', 'key-odd account'],
      'judged again without error, the item ends',
    );
  }),
);

items('a trust change that cannot judge a stored key keeps its findings and says so', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-items-')), 'k.db');
  const store = new SqliteStore(path);
  try {
    const key = keyWith('key-odd', [STRANGER]);
    recordScanned(store, scanOf([key], { at: day(1) }), 'test', day(1));
    // Its grants are then found in a shape the engine never expected (a file written by another release, say).
    const raw = new Database(path);
    try {
      raw.prepare("UPDATE keys SET grants = '[null]' WHERE key_arn = ?").run(key.keyArn);
    } finally {
      raw.close();
    }
    const change = addTrust(store, STRANGER, null, 'cli:alice', day(3));
    assert.is(change.resolved, 0);
    assert.equal(
      unresolved(store)
        .map((f) => f.kind)
        .sort(),
      ['account', 'analysis-error'],
    );
  } finally {
    store.close();
  }
});

items.run();
