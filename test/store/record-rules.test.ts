import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { parseTrustEntry } from '../../src/core/trust.js';
import { acknowledge } from '../../src/usecases/acknowledge.js';
import type { Store } from '../../src/usecases/store-port.js';
import { addTrust, importTrust, removeTrust } from '../../src/usecases/trust-list.js';
import { commitStaged, keyWith, OWNER, recordScanned, STRANGER, scanOf } from '../helpers/scan-results.js';

const rules = suite('store: what a scan may and may not change');
const day = (n: number) => new Date(Date.UTC(2026, 10, n));
const open = (store: Store) => store.findings({ status: 'open', accountId: undefined }, day(28));

function withStore(test: (store: Store) => void) {
  return () => {
    const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'kms-sentinel-rules-')), 'k.db'));
    try {
      test(store);
    } finally {
      store.close();
    }
  };
}

rules(
  'a deleted key is forgotten: its resolved findings stay resolved through later trust changes',
  withStore((store) => {
    recordScanned(store, scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [])]), 'test', day(1));
    recordScanned(store, scanOf([keyWith('key-b', [])]), 'test', day(2));
    assert.equal(open(store), []);
    addTrust(store, '777777777777', null, 'cli:alice', day(3));
    assert.equal(open(store), [], 'not reopened');
    assert.equal(
      [...store.storedKeys()].map((k) => k.keyId),
      ['key-b'],
    );
  }),
);

rules(
  'a key that could not be read blocks only its own findings from resolving, not its region',
  withStore((store) => {
    recordScanned(store, scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [STRANGER])]), 'test', day(1));
    const partial = scanOf([keyWith('key-b', [])], {
      coverage: [{ accountId: OWNER, region: 'us-east-1', complete: false, listed: true, keysUnread: ['key-a'] }],
    });
    assert.equal(recordScanned(store, partial, 'test', day(2)), { newFindings: 0, stillOpen: 0, resolved: 1 });
    assert.equal(
      open(store).map((f) => f.keyId),
      ['key-a'],
    );
    assert.equal(
      [...store.storedKeys()].map((k) => k.keyId).sort(),
      ['key-a', 'key-b'],
      'the unread key is not forgotten',
    );
  }),
);

rules(
  'grants that could not be listed keep their last known value, and their findings stand',
  withStore((store) => {
    const withGrant = {
      ...keyWith('key-a', []),
      grants: [
        {
          grantId: 'g1',
          name: null,
          granteePrincipal: `arn:aws:iam::${STRANGER}:role/etl`,
          retiringPrincipal: null,
          issuingAccount: null,
          operations: ['Decrypt'],
        },
      ],
    };
    recordScanned(store, scanOf([withGrant]), 'test', day(1));
    const unlisted = scanOf([{ ...withGrant, grants: null }], {
      coverage: [{ accountId: OWNER, region: 'us-east-1', complete: false, listed: true, keysUnread: ['key-a'] }],
    });
    recordScanned(store, unlisted, 'test', day(2));
    addTrust(store, '777777777777', null, 'cli:alice', day(3));
    assert.equal(
      open(store).map((f) => f.grantId),
      ['g1'],
    );
    assert.is([...store.storedKeys()][0]?.grants?.length, 1);
  }),
);

rules(
  'an exposure that grows worse is news, and ends an acknowledgement given for the lesser one',
  withStore((store) => {
    const metadataOnly = (sharedAction: string) => {
      const key = keyWith('key-a', [STRANGER]);
      return { ...key, policy: (key.policy as string).replace('kms:Decrypt', sharedAction) };
    };
    recordScanned(store, scanOf([metadataOnly('kms:DescribeKey')]), 'test', day(1));
    const [finding] = open(store);
    assert.is(finding?.severity, 'medium');
    acknowledge(store, {
      fingerprint: finding?.fingerprint ?? '',
      reason: 'read-only partner',
      until: undefined,
      actor: 'U0ALICE',
      now: day(2),
    });
    recordScanned(store, scanOf([metadataOnly('kms:*')]), 'test', day(3));
    const [now] = open(store);
    assert.equal([now?.status, now?.severity, now?.ackBy], ['open', 'critical', null]);
    assert.equal(
      store.outbox(10).map((o) => o.kind),
      ['finding-opened', 'finding-acknowledged', 'finding-escalated'],
    );
    assert.is(store.audit(1)[0]?.action, 'finding-escalated');
  }),
);

rules(
  "one run's extra trust shows in its output but never resolves anything on record",
  withStore((store) => {
    recordScanned(store, scanOf([keyWith('key-a', [STRANGER])]), 'test', day(1));
    const lenient = scanOf([keyWith('key-a', [STRANGER])], { trusted: [STRANGER] });
    assert.equal(lenient.findings, []);
    const recorded = commitStaged(store, lenient, { now: day(2), runOnlyTrust: [STRANGER] });
    assert.equal(recorded.changes, { newFindings: 0, stillOpen: 1, resolved: 0 });
    const shown = [...store.scanFindings(lenient.scan.id)].filter((f) => !recorded.hidden.includes(f.fingerprint));
    assert.equal(shown, [], 'the output still shows the extra trust');
  }),
);

rules(
  'the config file\'s entries are imported once: a later "trust remove" sticks',
  withStore((store) => {
    recordScanned(store, scanOf([keyWith('key-a', [STRANGER])]), 'test', day(1));
    assert.is(importTrust(store, [STRANGER], day(2)), 1);
    assert.equal(open(store), []);
    removeTrust(store, STRANGER, 'cli:alice', day(3));
    assert.is(importTrust(store, [STRANGER], day(4)), 0);
    assert.equal(store.listTrust(), []);
    assert.is(open(store).length, 1);
    assert.is(importTrust(store, [STRANGER, '222222222222'], day(5)), 1, 'a new entry in the file is imported');
  }),
);

rules(
  'one account, two spellings: the root ARN and the ID are one trust entry',
  withStore((store) => {
    addTrust(store, `arn:aws-cn:iam::${STRANGER}:root`, null, 'cli:alice', day(1));
    assert.equal(
      store.listTrust().map((t) => t.entry),
      [STRANGER],
    );
    assert.is(store.addTrust(parseTrustEntry(STRANGER), null, 'cli:bob', day(2)), 'present');
    removeTrust(store, STRANGER, 'cli:alice', day(3));
    assert.equal(store.listTrust(), []);
  }),
);

rules(
  'organization trust follows the members the last scan listed',
  withStore((store) => {
    recordScanned(store, scanOf([keyWith('key-a', ['222222222222', '333333333333'])]), 'test', day(1));
    const members = ['222222222222', '333333333333', 'o-abcdefghij'];
    const first = scanOf([keyWith('key-a', ['222222222222', '333333333333'])], { trusted: members });
    commitStaged(store, first, { now: day(2), organizationTrust: members });
    assert.equal(open(store), []);
    const left = ['222222222222', 'o-abcdefghij'];
    const second = scanOf([keyWith('key-a', ['222222222222', '333333333333'])], { trusted: left });
    commitStaged(store, second, { now: day(3), organizationTrust: left });
    assert.equal(
      open(store).map((f) => f.principal),
      ['333333333333'],
    );
    addTrust(store, '777777777777', null, 'cli:alice', day(4));
    assert.equal(
      open(store).map((f) => f.principal),
      ['333333333333'],
      'a trust change keeps the organization trust',
    );
  }),
);

rules(
  'a scan that started earlier but lands later never overwrites what a newer scan recorded',
  withStore((store) => {
    const older = scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [], 'eu-west-1')], {
      id: 'scan-older',
      at: day(1),
    });
    const newer = scanOf([keyWith('key-a', [])], { id: 'scan-newer', at: day(2) });
    commitStaged(store, newer, { now: day(2) });
    const late = commitStaged(store, older, { now: day(3) });
    assert.equal(open(store), [], 'the older reading of key-a does not reopen what the newer scan found fixed');
    assert.is(late.complete, false, 'the late scan says part of it was set aside');
    const errors = [...store.scanErrors('scan-older')];
    assert.equal(
      errors.map((e) => [e.code, e.region, e.keyId]),
      [['Superseded', 'us-east-1', null]],
    );
    assert.match(errors[0]?.message ?? '', /scan-newer.*set aside/);
    assert.equal(
      [...store.storedKeys()].map((k) => [k.keyId, k.policy?.includes(STRANGER)]).sort(),
      [
        ['key-a', false],
        ['key-b', false],
      ],
      'the region no newer scan read lands as usual',
    );
    const next = commitStaged(store, scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-next', at: day(4) }), {
      now: day(4),
    });
    assert.is(next.complete, true);
    assert.equal(
      open(store).map((f) => f.keyId),
      ['key-a'],
      'a scan that started after the newer one lands in full',
    );
  }),
);

rules(
  'a key rewritten after a scan read it (a remediation) keeps its new reading when that scan lands',
  withStore((store) => {
    commitStaged(store, scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [STRANGER])], { at: day(1) }), {
      now: day(1),
    });
    const running = scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [STRANGER])], { id: 'scan-2', at: day(2) });
    store.replaceKey(keyWith('key-a', []), day(3));
    store.applyEvaluation(keyWith('key-a', []), [], 'remediated', 'cli:alice', day(3));
    const landed = commitStaged(store, running, { now: day(4), stagedAt: day(2) });
    assert.equal(
      open(store).map((f) => f.keyId),
      ['key-b'],
      'the remediated key is not reopened by the older reading',
    );
    assert.equal(
      [...store.scanErrors('scan-2')].map((e) => [e.code, e.keyId]),
      [['Superseded', 'key-a']],
    );
    assert.is(landed.complete, false);
    assert.equal(
      [...store.storedKeys()].map((k) => k.keyId),
      ['key-a', 'key-b'],
      'the key set aside is not forgotten',
    );
  }),
);

rules(
  'what counts is when each reading was made: a later reading lands, whenever its scan started',
  withStore((store) => {
    commitStaged(store, scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-1', at: day(1) }), { now: day(1) });
    // A key remediated during a long scan that reads it afterwards: the scan's reading is the newer one.
    store.replaceKey(keyWith('key-a', []), day(3));
    store.applyEvaluation(keyWith('key-a', []), [], 'remediated', 'cli:alice', day(3));
    const readAfter = scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-2', at: day(2) });
    const landed = commitStaged(store, readAfter, { now: day(5), stagedAt: day(4) });
    assert.equal([...store.scanErrors('scan-2')], [], 'nothing set aside');
    assert.is(landed.complete, true);
    assert.equal(
      open(store).map((f) => f.keyId),
      ['key-a'],
      'the key opened up again after its remediation is recorded',
    );
    // A scan that started first but read the account-region after a scan that landed before it.
    const region = (readFrom: Date) => [
      { accountId: OWNER, region: 'us-east-1', complete: true, readFrom: readFrom.toISOString() },
    ];
    commitStaged(store, scanOf([keyWith('key-a', [])], { id: 'scan-3', at: day(7), coverage: region(day(7)) }), {
      now: day(8),
    });
    const late = scanOf([keyWith('key-a', [STRANGER])], { id: 'scan-4', at: day(6), coverage: region(day(9)) });
    assert.is(commitStaged(store, late, { now: day(10) }).complete, true);
    assert.equal(
      open(store).map((f) => f.keyId),
      ['key-a'],
      'its reading, the latest, is the record',
    );
  }),
);

rules(
  "a scan's report keeps what it found as it landed, whatever lands after it",
  withStore((store) => {
    commitStaged(
      store,
      scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [STRANGER])], { id: 'scan-1', at: day(1) }),
      {
        now: day(1),
      },
    );
    const reported = () => [...store.scanFindings('scan-1')].map((f) => [f.keyId, f.principal, f.status]);
    const before = reported();
    assert.is(before.length, 2);
    commitStaged(store, scanOf([keyWith('key-a', [STRANGER]), keyWith('key-b', [])], { id: 'scan-2', at: day(2) }), {
      now: day(2),
    });
    addTrust(store, STRANGER, null, 'cli:alice', day(3));
    assert.equal(reported(), before, 'the first scan still reports both findings, as open');
    assert.equal(
      [...store.scanFindings('scan-2')].map((f) => f.keyId),
      ['key-a'],
    );
  }),
);

rules.run();
