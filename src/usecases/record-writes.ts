import { acknowledge } from './acknowledge.js';
import type { RecordWrites } from './record-port.js';
import { commitScan } from './record-scan.js';
import { recordRemediationOutcome } from './remediation/record-outcome.js';
import type { Store } from './store-port.js';
import { addTrust, removeTrust } from './trust-list.js';

/** A RecordPort change, carried out at once by the code that holds the write connection. */
export type SyncWrites = {
  readonly [K in keyof RecordWrites]: (...args: Parameters<RecordWrites[K]>) => Awaited<ReturnType<RecordWrites[K]>>;
};

/** Each change a RecordPort offers, as the use case that makes it on a store. */
export function recordWrites(store: Store): SyncWrites {
  return {
    assertWritable: () => store.assertWritable(),
    addTrust: (input, note, actor, now) => addTrust(store, input, note, actor, now),
    removeTrust: (input, actor, now) => removeTrust(store, input, actor, now),
    acknowledge: (ack) => acknowledge(store, ack),
    stageKeys: (scanId, keys, now) => store.stageKeys(scanId, keys, now),
    commitScan: (commit) => commitScan(store, commit),
    discardScan: (scanId, now) => store.discardStaged(scanId, now),
    claimNotifications: (now, limit) => store.claimNotifications(now, limit),
    markDelivered: (id, receipt, now) => store.markDelivered(id, receipt, now),
    markFailed: (id, error, retryAt) => store.markFailed(id, error, retryAt),
    claimNotificationIds: (ids) => store.claimNotificationIds(ids),
    recordAlert: (fingerprints, location, now) => store.recordAlert(fingerprints, location, now),
    claimRequest: (key, now) => store.claimRequest(key, now),
    setBotState: (key, value) => store.setBotState(key, value),
    rememberHomeUser: (userId, now) => store.rememberHomeUser(userId, now),
    refused: (actor, action, subject, now) => store.refused(actor, action, subject, now),
    startRemediation: (start, now, holder) => store.startRemediation(start, now, holder),
    recordRemediationOutcome: (outcome) => recordRemediationOutcome(store, outcome),
    claimDelivery: (holder, ids, deliveryId, target, extent) =>
      store.claimDelivery(holder, ids, deliveryId, target, extent),
    settleDelivery: (holder, deliveryId, outcome) => store.settleDelivery(holder, deliveryId, outcome),
    requeueInDoubt: (holder, note) => store.requeueInDoubt(holder, note),
    pauseDelivery: (pause) => store.pauseDelivery(pause),
    resumeDelivery: (scope, channel) => store.resumeDelivery(scope, channel),
    releaseDeliveryLease: (holder) => store.releaseDeliveryLease(holder),
    holdDeliveryLease: (holder, now, ttlMs) => store.holdDeliveryLease(holder, now, ttlMs),
    claimDigest: (holder, ids, deliveryId, target, extent) =>
      store.claimDigest(holder, ids, deliveryId, target, extent),
    parkDelivery: (holder, ids, deliveryId, target, extent) =>
      store.parkDelivery(holder, ids, deliveryId, target, extent),
    retargetDeliveries: (holder, moves) => store.retargetDeliveries(holder, moves),
    retryNotifications: (ids, actor, now) => store.retryNotifications(ids, actor, now),
    claimKey: (claim, now) => store.claimKey(claim, now),
    releaseKey: (keyArn, claimId) => store.releaseKey(keyArn, claimId),
    renewKey: (keyArn, claimId, now) => store.renewKey(keyArn, claimId, now),
    startUndo: (id, policy, actor, now, holder) => store.startUndo(id, policy, actor, now, holder),
    cancelUndo: (id, outcome, actor, now, holder) => store.cancelUndo(id, outcome, actor, now, holder),
  };
}
