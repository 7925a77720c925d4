import type { Notification } from '../core/notifications.js';
import type { KeySnapshot } from '../core/scan/types.js';
import { type Acknowledgement, acknowledge } from './acknowledge.js';
import { type KeyReread, recordKeyRead } from './events/record-key-read.js';
import { commitScan, type ScanCommit } from './record-scan.js';
import { type RemediationOutcome, recordRemediationOutcome } from './remediation/record-outcome.js';
import type {
  AlertLocation,
  BatchExtent,
  DeliveryMove,
  DeliveryOutcome,
  DeliveryPause,
  DeliveryTarget,
  EventSeen,
  HeldKey,
  HubPushOutcome,
  KeyClaim,
  RemediationStart,
  Store,
} from './store-port.js';
import { addTrust, removeTrust } from './trust-list.js';

/**
 * Every change the record makes, declared once: each is the use case (or the store operation) that makes it on the
 * store that holds the write connection. The write half of RecordPort (asynchronous, see RecordWrites) and the
 * dispatch of the thread that writes are both derived from this table, so adding a write is one line here beside the
 * store operation it calls.
 */
export const RECORD_WRITES = {
  /** Fails when the database cannot be written (before any AWS work). */
  assertWritable: (store: Store) => store.assertWritable(),
  addTrust: (store: Store, input: string, note: string | null, actor: string, now: Date) =>
    addTrust(store, input, note, actor, now),
  removeTrust: (store: Store, input: string, actor: string, now: Date) => removeTrust(store, input, actor, now),
  acknowledge: (store: Store, ack: Acknowledgement) => acknowledge(store, ack),
  /** Holds keys a running scan has read (see ScanSink). */
  stageKeys: (store: Store, scanId: string, keys: readonly KeySnapshot[], now: Date) =>
    store.stageKeys(scanId, keys, now),
  commitScan: (store: Store, commit: ScanCommit) => commitScan(store, commit),
  /** A key read again for an event (see recordKeyRead), and the events a batch held, per account-region. */
  recordKeyRead: (store: Store, reread: KeyReread) => recordKeyRead(store, reread),
  noteEvents: (store: Store, seen: readonly EventSeen[], now: Date) => store.noteEvents(seen, now),
  /** Drops what a scan staged: it is abandoned and records nothing. */
  discardScan: (store: Store, scanId: string, now: Date) => store.discardStaged(scanId, now),
  markDelivered: (store: Store, id: number, receipt: unknown, now: Date) => store.markDelivered(id, receipt, now),
  recordAlert: (store: Store, fingerprints: readonly string[], location: AlertLocation, now: Date) =>
    store.recordAlert(fingerprints, location, now),
  claimRequest: (store: Store, key: string, now: Date) => store.claimRequest(key, now),
  notifyOnce: (store: Store, key: string, notification: Notification, now: Date) =>
    store.notifyOnce(key, notification, now),
  setBotState: (store: Store, key: string, value: string) => store.setBotState(key, value),
  rememberHomeUser: (store: Store, userId: string, now: Date) => store.rememberHomeUser(userId, now),
  refused: (store: Store, actor: string, action: string, subject: string, now: Date) =>
    store.refused(actor, action, subject, now),
  /** See Store: false, nothing stored, when `holder` no longer holds the key. */
  startRemediation: (store: Store, start: RemediationStart, now: Date, holder: HeldKey) =>
    store.startRemediation(start, now, holder),
  /** False when the outcome was dropped (its writer lost the key, or the state moved). */
  recordRemediationOutcome: (store: Store, outcome: RemediationOutcome) => recordRemediationOutcome(store, outcome),
  /** See Store: a delivery claimed, settled, held; pauses; what a dead notifier held; an operator's retry. */
  claimDelivery: (
    store: Store,
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ) => store.claimDelivery(holder, ids, deliveryId, target, extent),
  settleDelivery: (store: Store, holder: string, deliveryId: string, outcome: DeliveryOutcome) =>
    store.settleDelivery(holder, deliveryId, outcome),
  requeueInDoubt: (store: Store, holder: string, note: string) => store.requeueInDoubt(holder, note),
  pauseDelivery: (store: Store, pause: DeliveryPause) => store.pauseDelivery(pause),
  resumeDelivery: (store: Store, scope: DeliveryPause['scope'], channel: string) =>
    store.resumeDelivery(scope, channel),
  releaseDeliveryLease: (store: Store, holder: string) => store.releaseDeliveryLease(holder),
  holdDeliveryLease: (store: Store, holder: string, now: Date, ttlMs: number) =>
    store.holdDeliveryLease(holder, now, ttlMs),
  claimDigest: (
    store: Store,
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ) => store.claimDigest(holder, ids, deliveryId, target, extent),
  parkDelivery: (
    store: Store,
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ) => store.parkDelivery(holder, ids, deliveryId, target, extent),
  retargetDeliveries: (store: Store, holder: string, moves: readonly DeliveryMove[]) =>
    store.retargetDeliveries(holder, moves),
  retryNotifications: (store: Store, ids: readonly number[] | 'failed', actor: string, now: Date) =>
    store.retryNotifications(ids, actor, now),
  /** One remediation or undo of a key at a time, across processes (see Store.claimKey). */
  claimKey: (store: Store, claim: KeyClaim, now: Date) => store.claimKey(claim, now),
  releaseKey: (store: Store, keyArn: string, claimId: string) => store.releaseKey(keyArn, claimId),
  renewKey: (store: Store, keyArn: string, claimId: string, now: Date) => store.renewKey(keyArn, claimId, now),
  /** See Store: an undo recorded before it writes to AWS, and one that did not happen. */
  startUndo: (store: Store, id: string, policy: string, actor: string, now: Date, holder: HeldKey) =>
    store.startUndo(id, policy, actor, now, holder),
  cancelUndo: (store: Store, id: string, outcome: unknown, actor: string, now: Date, holder: HeldKey) =>
    store.cancelUndo(id, outcome, actor, now, holder),
  /** What a push to Security Hub did (see SecurityHubSync). */
  recordSecurityHubPush: (store: Store, outcome: HubPushOutcome) => store.recordSecurityHubPush(outcome),
} as const;

export type RecordWrite = keyof typeof RECORD_WRITES;

type Rest<T> = T extends (store: Store, ...rest: infer R) => unknown ? R : never;

/** Each change of the table as a RecordPort offers it: the same arguments but the store, answered asynchronously. */
export type RecordWrites = {
  readonly [K in RecordWrite]: (
    ...args: Rest<(typeof RECORD_WRITES)[K]>
  ) => Promise<Awaited<ReturnType<(typeof RECORD_WRITES)[K]>>>;
};

/** The write half of a RecordPort whose changes `send` carries to where the store is (a name and the arguments). */
export function recordWritesVia(send: (op: RecordWrite, args: readonly unknown[]) => Promise<unknown>): RecordWrites {
  const writes = Object.fromEntries(
    Object.keys(RECORD_WRITES).map((op) => [op, (...args: unknown[]) => send(op as RecordWrite, args)]),
  );
  return writes as RecordWrites;
}

/** Makes one change on `store`, by its name in the table (for the code that holds the write connection). */
export function applyRecordWrite(store: Store, op: string, args: readonly unknown[]): unknown {
  if (!Object.hasOwn(RECORD_WRITES, op)) throw new Error(`the record has no operation ${JSON.stringify(op)}`);
  const write = RECORD_WRITES[op as RecordWrite] as (store: Store, ...rest: readonly unknown[]) => unknown;
  return write(store, ...args);
}
