import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { recordKeyRead } from '../../src/usecases/events/record-key-read.js';
import { commitScan } from '../../src/usecases/record-scan.js';
import { sharedWith } from '../helpers/sandbox.js';

const reads = suite('store: a key read for an event, and a scan racing it: the newer reading stands');
const OWNER = '111111111111';
const FOREIGN = '999999999999';
const KEY_ID = '11111111-2222-4333-8444-555555555555';
const at = (minute: number) => new Date(Date.UTC(2026, 11, 6, 9, minute));

function key(policy: string): KeySnapshot {
  return {
    accountId: OWNER,
    region: 'us-east-1',
    keyId: KEY_ID,
    keyArn: `arn:aws:kms:us-east-1:${OWNER}:key/${KEY_ID}`,
    aliases: [],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy,
    grants: [],
  };
}
const OPEN = sharedWith(OWNER, FOREIGN);
const CLOSED = sharedWith(OWNER, OWNER);

/** A complete scan of the account-region, that began reading it at `from` and read the key as `policy`. */
function scan(store: SqliteStore, id: string, from: Date, policy: string, landsAt: Date) {
  store.stageKeys(id, [key(policy)], from);
  return commitScanStaged(store, id, from, landsAt);
}

const open = (store: SqliteStore) =>
  store.findings({ status: 'open', accountId: undefined }, at(59)).filter((f) => f.source !== 'key');

function withStore(test: (store: SqliteStore) => void) {
  const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'kms-sentinel-events-')), 'k.db'), 'create');
  try {
    test(store);
  } finally {
    store.close();
  }
}

reads('an event read opens a finding with its cause, and goes to the outbox like a scan finding', () =>
  withStore((store) => {
    scan(store, 's1', at(0), CLOSED, at(1));
    const outcome = recordKeyRead(store, {
      key: key(OPEN),
      readAt: at(5),
      now: at(5),
      cause: 'read again after PutKeyPolicy',
      actor: 'event',
    });
    assert.equal(outcome, { recorded: true, newFindings: 1, stillOpen: 0, resolved: 0 });
    assert.is(open(store).length, 1);
    assert.ok(
      store.outbox(10).some((n) => n.kind === 'finding-opened'),
      'an alert waits in the outbox',
    );
  }),
);

reads('a scan that read the key before the event and lands after it does not undo the event', () =>
  withStore((store) => {
    scan(store, 's1', at(0), CLOSED, at(1));
    // The scan reads the key (closed) at 09:10; the policy is opened, its event read at 09:12 and recorded;
    // the scan lands at 09:20 with its older reading.
    store.stageKeys('s2', [key(CLOSED)], at(10));
    recordKeyRead(store, { key: key(OPEN), readAt: at(12), now: at(12), cause: 'event', actor: 'event' });
    const landed = commitScanStaged(store, 's2', at(9), at(20));
    assert.is(open(store).length, 1, 'the finding the event opened stays open');
    assert.ok(landed.complete, 'the scan is complete: an event reading is not an error of the scan');
    assert.is(store.storedKey(key(OPEN).keyArn)?.policy, OPEN);
  }),
);

reads('an event read older than a scan that landed first is set aside', () =>
  withStore((store) => {
    scan(store, 's1', at(0), CLOSED, at(1));
    // The event read began at 09:12 (it saw the key open); a scan that began the region at 09:13 saw it closed
    // again, and landed at 09:14, before the event read was recorded.
    scan(store, 's2', at(13), CLOSED, at(14));
    const outcome = recordKeyRead(store, {
      key: key(OPEN),
      readAt: at(12),
      now: at(15),
      cause: 'event',
      actor: 'event',
    });
    assert.is(outcome.recorded, false);
    assert.match(outcome.setAside ?? '', /scan s2/);
    assert.is(open(store).length, 0);
    // And the later of two event reads wins whatever order they land in.
    recordKeyRead(store, { key: key(OPEN), readAt: at(30), now: at(31), cause: 'event', actor: 'event' });
    const late = recordKeyRead(store, {
      key: key(CLOSED),
      readAt: at(29),
      now: at(32),
      cause: 'event',
      actor: 'event',
    });
    assert.is(late.recorded, false);
    assert.is(open(store).length, 1);
  }),
);

reads('an event read resolves what its key no longer grants, and nothing of other keys', () =>
  withStore((store) => {
    scan(store, 's1', at(0), OPEN, at(1));
    assert.is(open(store).length, 1);
    const outcome = recordKeyRead(store, {
      key: key(CLOSED),
      readAt: at(5),
      now: at(5),
      cause: 'read again after PutKeyPolicy',
      actor: 'event',
    });
    assert.is(outcome.resolved, 1);
    assert.is(open(store).length, 0);
  }),
);

reads("an event read keeps the aliases the last scan saw (it does not list the region's aliases)", () =>
  withStore((store) => {
    store.stageKeys('s1', [{ ...key(CLOSED), aliases: ['alias/payments'] }], at(0));
    commitScanStaged(store, 's1', at(0), at(1));
    recordKeyRead(store, { key: key(OPEN), readAt: at(5), now: at(5), cause: 'event', actor: 'event' });
    assert.equal(store.storedKey(key(OPEN).keyArn)?.aliases, ['alias/payments']);
    assert.equal(open(store)[0]?.aliases, ['alias/payments']);
  }),
);

/** Lands a scan whose key was staged earlier. */
function commitScanStaged(store: SqliteStore, id: string, from: Date, landsAt: Date) {
  return commitScan(store, {
    outcome: {
      scan: {
        id,
        startedAt: from.toISOString(),
        finishedAt: landsAt.toISOString(),
        accounts: 1,
        regions: 1,
        keys: 1,
        customerManagedKeys: 1,
        apiCalls: 3,
        throttled: 0,
        complete: true,
      },
      errors: [],
      coverage: [
        {
          accountId: OWNER,
          region: 'us-east-1',
          complete: true,
          listed: true,
          keysUnread: [],
          readFrom: from.toISOString(),
        },
      ],
      organizationTrust: null,
    },
    startedBy: 'schedule',
    now: landsAt,
    runOnlyTrust: [],
  });
}

reads.run();
