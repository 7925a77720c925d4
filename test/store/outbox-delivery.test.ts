import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { openRecord } from '../../src/adapters/store/worker/worker-record.js';
import { DeliveryLeaseLost, type Store } from '../../src/usecases/store-port.js';
import { addTrust, removeTrust } from '../../src/usecases/trust-list.js';
import { keyWith, recordScanned, STRANGER, scanOf } from '../helpers/scan-results.js';

const outbox = suite('store: the outbox is a delivery queue');
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, minutes));
/** The notifier the record's delivery writes come from: it holds the delivery lease. */
const BOT = 'notifier';
const freshPath = () => join(mkdtempSync(join(tmpdir(), 'kms-sentinel-outbox-')), 'k.db');

function withThreeNotifications(test: (store: Store, path: string) => void) {
  return () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      recordScanned(store, scanOf(['a', 'b', 'c'].map((k) => keyWith(`key-${k}`, [STRANGER]))), 'test', at(0));
      assert.is(store.outbox(10).length, 3);
      test(store, path);
    } finally {
      store.close();
    }
  };
}

const TARGET = { kind: 'alert', channel: 'C1', threadTs: null } as const;

/** What the notifier would take now: the due notifications' IDs. */
const due = (store: Store, now: Date) => store.dueNotifications(now, 10).map((r) => r.id);

/** Each notification claimed as a message of its own (delivery `d-<id>`), as the notifier claims an alert. */
function claimEach(store: Store, now: Date) {
  store.holdDeliveryLease(BOT, now, 60_000);
  return due(store, now).map((id) => store.claimDelivery(BOT, [id], `d-${id}`, TARGET)[0]);
}

const delivered = (at: Date) => ({ state: 'delivered', receipt: { channel: 'C1', ts: '1.2' }, at }) as const;
const failed = (error: string, retryAt: Date | null) => ({ state: 'failed', error, retryAt }) as const;

outbox(
  'a notification that fails is tried again at its time, and delivered once',
  withThreeNotifications((store) => {
    const [first, ...rest] = claimEach(store, at(1));
    assert.equal([first?.state, first?.attempts], ['sending', 1]);
    assert.is(rest.length, 2);
    store.settleDelivery(BOT, `d-${first?.id}`, failed('ratelimited', at(5)));
    for (const r of rest) store.settleDelivery(BOT, `d-${r?.id}`, delivered(at(1)));
    assert.equal(due(store, at(4)), [], 'not before its time');
    assert.equal(due(store, at(5)), [first?.id]);
    const [retried] = store.claimDelivery(BOT, [], `d-${first?.id}`, TARGET);
    assert.equal([retried?.id, retried?.attempts, retried?.lastError], [first?.id, 2, 'ratelimited']);
    store.settleDelivery(BOT, `d-${first?.id}`, delivered(at(5)));
    assert.equal(store.outbox(10), [], 'every notification delivered');
    assert.equal(due(store, at(60)), []);
  }),
);

outbox(
  'a late report never moves a message back: a delivered one is not sent again, a failed one stays failed',
  withThreeNotifications((store) => {
    const [a, b, c] = claimEach(store, at(1));
    store.settleDelivery(BOT, `d-${a?.id}`, delivered(at(1)));
    store.settleDelivery(BOT, `d-${a?.id}`, failed('timeout reported late', at(2)));
    store.settleDelivery(BOT, `d-${b?.id}`, failed('channel_not_found', null));
    store.settleDelivery(BOT, `d-${b?.id}`, delivered(at(2)));
    store.settleDelivery(BOT, `d-${c?.id}`, failed('timeout', at(2)));
    store.settleDelivery(BOT, `d-${c?.id}`, failed('a second report of the same attempt', null));
    assert.is(store.settleDelivery(BOT, 'd-none', delivered(at(2))), 0, 'no such message');
    assert.equal(due(store, at(3)), [c?.id], 'only the message that is waiting for its retry is handed out');
    const states = new Map(store.outbox(10).map((r) => [r.id, [r.state, r.lastError]]));
    assert.is(states.has(a?.id ?? -1), false, 'the delivered message is not waiting');
    assert.equal(states.get(b?.id ?? -1), ['failed', 'channel_not_found']);
  }),
);

outbox(
  'a notification refused for good is kept with its error, never handed out again, and blocks no other',
  withThreeNotifications((store) => {
    const [bad, ...good] = claimEach(store, at(1));
    store.settleDelivery(BOT, `d-${bad?.id}`, failed('channel_not_found', null));
    for (const g of good) store.settleDelivery(BOT, `d-${g?.id}`, failed('timeout', at(2)));
    assert.equal(
      due(store, at(2)),
      good.map((g) => g?.id),
    );
    const [gaveUp] = store.outbox(10).filter((r) => r.state === 'failed');
    assert.equal([gaveUp?.id, gaveUp?.lastError, gaveUp?.attempts], [bad?.id, 'channel_not_found', 1]);
  }),
);

outbox(
  'a notifier that died between sending and marking leaves the notification in doubt, not sent twice',
  withThreeNotifications((store, path) => {
    const claimed = claimEach(store, at(1)).slice(0, 2);
    const last = store.outbox(10).find((r) => r.state === 'sending' && !claimed.some((c) => c?.id === r.id));
    if (last !== undefined) store.settleDelivery(BOT, `d-${last.id}`, { state: 'held', error: 'not sent' });
    store.close();
    const reopened = new SqliteStore(path);
    try {
      assert.equal(
        reopened.inDoubtNotifications().map((r) => r.id),
        claimed.map((r) => r?.id),
        'the same IDs: the notifier looks for their message before sending again',
      );
      assert.equal(due(reopened, at(2)), [3], 'only the one never handed out');
    } finally {
      reopened.close();
    }
  }),
);

outbox(
  'each notification is a typed event: findings carry what to show, trust changes name the findings they changed',
  withThreeNotifications((store) => {
    const [opened] = store.outbox(1);
    assert.is(opened?.notification.kind, 'finding-opened');
    if (opened?.notification.kind !== 'finding-opened') return;
    assert.equal(
      [opened.notification.finding.kind, opened.notification.finding.principal, opened.fingerprint],
      ['account', STRANGER, opened.notification.finding.fingerprint],
    );
    const added = addTrust(store, STRANGER, 'partner', 'cli:alice', at(2));
    removeTrust(store, STRANGER, 'cli:bob', at(3));
    const trust = store.outbox(100).filter((r) => r.kind === 'trust-added' || r.kind === 'trust-removed');
    const sorted = (list: readonly string[]) => [...list].sort();
    assert.equal(
      trust.map((r) =>
        'resolved' in r.notification
          ? { ...r.notification, resolved: sorted(r.notification.resolved), reopened: sorted(r.notification.reopened) }
          : r.notification,
      ),
      [
        {
          kind: 'trust-added',
          entry: STRANGER,
          entryKind: 'account',
          by: 'cli:alice',
          note: 'partner',
          resolved: sorted(added.resolvedFingerprints),
          reopened: [],
        },
        {
          kind: 'trust-removed',
          entry: STRANGER,
          entryKind: 'account',
          by: 'cli:bob',
          note: null,
          resolved: [],
          reopened: sorted(added.resolvedFingerprints),
        },
      ],
    );
    assert.is(added.resolvedFingerprints.length, 3);
  }),
);

outbox('a delivery is claimed and settled as one, however many notifications it carries; none is in two', () => {
  const path = freshPath();
  const store = new SqliteStore(path);
  try {
    // 50 keys that let in 100 accounts each: 5000 notifications, one digest.
    const keys = Array.from({ length: 50 }, (_, k) =>
      keyWith(
        `key-big-${k}`,
        Array.from({ length: 100 }, (_, i) => String(400_000_000_000 + k * 1000 + i)),
      ),
    );
    recordScanned(store, scanOf([...keys, keyWith('key-small', [STRANGER])]), 'test', at(0));
    const rows = store.outbox(10_000);
    const big = rows.filter(
      (r) => r.notification.kind === 'finding-opened' && r.notification.finding.keyId.startsWith('key-big-'),
    );
    const small = rows.filter((r) => !big.includes(r));
    assert.is(big.length, 5000);
    const target = { kind: 'digest', channel: 'C1', threadTs: null } as const;
    store.holdDeliveryLease(BOT, at(0), 60_000);
    const claimed = store.claimDelivery(
      BOT,
      big.map((r) => r.id),
      'd-big',
      target,
    );
    assert.is(claimed.length, 5000);
    assert.ok(claimed.every((r) => r.state === 'sending' && r.attempts === 1 && r.deliveryId === 'd-big'));
    // Another delivery naming the same notifications gets none of them.
    assert.equal(
      store
        .claimDelivery(BOT, [...big.map((r) => r.id), ...small.map((r) => r.id)], 'd-other', target)
        .map((r) => r.id),
      small.map((r) => r.id),
    );
    // Refused while the token is revoked: held back, the attempt not counted.
    assert.is(store.settleDelivery(BOT, 'd-big', { state: 'held', error: 'token_revoked' }), 5000);
    const held = store.outbox(10_000).filter((r) => r.deliveryId === 'd-big');
    assert.ok(held.every((r) => r.state === 'pending' && r.attempts === 0 && r.lastError === 'token_revoked'));
    // Claimed again by its ID alone (a later page, a restart): every one of it comes, and stays in it.
    assert.is(store.claimDelivery(BOT, [], 'd-big', target).length, 5000);
    assert.is(store.settleDelivery(BOT, 'd-big', { state: 'failed', error: 'http_500', retryAt: at(5) }), 5000);
    assert.is(store.claimDelivery(BOT, [], 'd-big', target)[0]?.attempts, 2);
    // A notifier that died holding it: back in the queue, still one delivery, its attempts kept.
    store.close();
    const reopened = new SqliteStore(path);
    try {
      assert.is(reopened.requeueInDoubt(BOT, 'in doubt'), 5001);
      const again = reopened.outbox(10_000).filter((r) => r.deliveryId === 'd-big');
      assert.ok(again.every((r) => r.state === 'pending' && r.attempts === 2 && r.lastError === 'in doubt'));
      assert.is(reopened.claimDelivery(BOT, [], 'd-big', target).length, 5000);
      // Found in Slack: every notification stamped with its ID is delivered at once.
      assert.is(
        reopened.settleDelivery(BOT, 'd-big', { state: 'delivered', receipt: { channel: 'C1', ts: '1.2' }, at: at(6) }),
        5000,
      );
      assert.equal(
        reopened.outbox(10_000).map((r) => r.deliveryId),
        ['d-other'],
      );
    } finally {
      reopened.close();
    }
  } finally {
    store.close();
  }
});

outbox(
  'a delivery tried in one channel and sent to another keeps where it was tried, across claims and restarts',
  withThreeNotifications((store) => {
    const [a, b, c] = store.outbox(10).map((r) => r.id);
    const alert = (channel: string) => ({ kind: 'alert', channel, threadTs: null }) as const;
    store.holdDeliveryLease(BOT, at(0), 60_000);
    store.claimDelivery(BOT, [a ?? -1, b ?? -1], 'tried', alert('C1'));
    store.settleDelivery(BOT, 'tried', { state: 'failed', error: 'http_500', retryAt: at(2) });
    // The config names C2 now: the retry goes there, and C1 is where to look first.
    const moved = store.claimDelivery(BOT, [], 'tried', alert('C2'));
    assert.equal(
      moved.map((r) => r.deliveryTarget),
      [
        { ...alert('C2'), lookIn: ['C1'] },
        { ...alert('C2'), lookIn: ['C1'] },
      ],
    );
    // The notifier dies before it looks: the next claim still knows.
    assert.is(store.requeueInDoubt(BOT, 'in doubt'), 2);
    assert.equal(store.claimDelivery(BOT, [], 'tried', alert('C2'))[0]?.deliveryTarget, {
      ...alert('C2'),
      lookIn: ['C1'],
    });
    // Held back (refused, so never posted): nothing to look for where it was refused.
    store.claimDelivery(BOT, [c ?? -1], 'refused', alert('C1'));
    store.settleDelivery(BOT, 'refused', { state: 'held', error: 'not_in_channel' });
    assert.equal(store.claimDelivery(BOT, [], 'refused', alert('C2'))[0]?.deliveryTarget, alert('C2'));
  }),
);

outbox(
  'only the holder of the delivery lease claims and settles deliveries: a bot that lost it is refused, and nothing changes',
  async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      recordScanned(store, scanOf(['a', 'b'].map((k) => keyWith(`key-${k}`, [STRANGER]))), 'test', at(0));
      const [a, b] = store.outbox(10).map((r) => r.id);
      const target = { kind: 'alert', channel: 'C1', threadTs: null } as const;
      const lost = (e: unknown) => e instanceof DeliveryLeaseLost;
      assert.throws(() => store.claimDelivery('bot-a', [a ?? -1], 'd-a', target), lost, 'nobody holds it');
      store.holdDeliveryLease('bot-a', at(0), 60_000);
      assert.is(store.claimDelivery('bot-a', [a ?? -1], 'd-a', target).length, 1);
      // Bot A stalls past its term; bot B takes over.
      assert.is(store.holdDeliveryLease('bot-b', at(2), 60_000).held, true);
      const before = store.outbox(10);
      const refused = (work: () => unknown) => {
        try {
          work();
        } catch (error) {
          assert.instance(error, DeliveryLeaseLost);
          assert.is((error as DeliveryLeaseLost).lease?.holder, 'bot-b', 'it says who holds the lease now');
          return;
        }
        assert.unreachable('a write of a bot that lost the lease was let through');
      };
      refused(() => store.settleDelivery('bot-a', 'd-a', { state: 'delivered', receipt: null, at: at(3) }));
      refused(() => store.settleDelivery('bot-a', 'd-a', { state: 'failed', error: 'http_500', retryAt: at(4) }));
      refused(() => store.claimDelivery('bot-a', [b ?? -1], 'd-b', target));
      refused(() => store.claimDigest('bot-a', [b ?? -1], 'd-b', { ...target, kind: 'digest' }));
      refused(() => store.parkDelivery('bot-a', [b ?? -1], 'd-b', target));
      refused(() => store.retargetDeliveries('bot-a', [{ deliveryId: 'd-a', target: { ...target, channel: 'C2' } }]));
      refused(() => store.requeueInDoubt('bot-a', 'in doubt'));
      assert.equal(store.outbox(10), before, 'nothing changed');
      // Bot B picks up what A left in doubt: it is B's now.
      assert.is(store.requeueInDoubt('bot-b', 'in doubt'), 1);
      assert.equal(
        store.claimDelivery('bot-b', [], 'd-a', target).map((r) => [r.id, r.attempts]),
        [[a, 2]],
      );
      // B stops and lets the lease go: A is refused still (it must take the lease again first).
      store.releaseDeliveryLease('bot-b');
      assert.throws(() => store.settleDelivery('bot-a', 'd-a', { state: 'delivered', receipt: null, at: at(5) }), lost);
    } finally {
      store.close();
    }
    // The same refusal reaches a bot through the record's worker thread, as what it is.
    const record = await openRecord(path, 'existing', { configTrust: [] });
    try {
      const error = await record
        .settleDelivery('bot-a', 'd-a', { state: 'delivered', receipt: null, at: at(6) })
        .catch((e: unknown) => e);
      assert.instance(error, DeliveryLeaseLost);
    } finally {
      await record.close();
    }
  },
);

outbox('paused delivery is on record: the workspace first, then each channel, until it resumes', () => {
  const store = new SqliteStore(freshPath());
  try {
    const pause = (scope: 'workspace' | 'channel', channel: string, reason: string) =>
      store.pauseDelivery({
        scope,
        channel,
        reason,
        since: at(1).toISOString(),
        checks: 0,
        nextCheckAt: at(2).toISOString(),
      });
    pause('channel', 'C2', 'not_in_channel');
    pause('workspace', '', 'invalid_auth');
    pause('workspace', '', 'token_revoked');
    assert.equal(
      store.deliveryPauses().map((p) => [p.scope, p.channel, p.reason]),
      [
        ['workspace', '', 'token_revoked'],
        ['channel', 'C2', 'not_in_channel'],
      ],
    );
    store.resumeDelivery('workspace', '');
    assert.equal(
      store.deliveryPauses().map((p) => p.channel),
      ['C2'],
    );
  } finally {
    store.close();
  }
});

outbox.run();
