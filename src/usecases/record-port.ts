import type { KeySnapshot } from '../core/scan/types.js';
import type { Acknowledgement } from './acknowledge.js';
import type { CommittedScan, ScanCommit } from './record-scan.js';
import type { RemediationOutcome } from './remediation/record-outcome.js';
import type {
  AlertLocation,
  BatchExtent,
  ClaimResult,
  DeliveryMove,
  DeliveryOutcome,
  DeliveryPause,
  DeliveryTarget,
  DigestClaim,
  HeldKey,
  KeyClaim,
  LeaseResult,
  OutboxRecord,
  RecordReader,
  RemediationStart,
  RetriedNotification,
  StoredFinding,
} from './store-port.js';
import type { TrustChange } from './trust-list.js';

/**
 * The record as front ends use it. Reads are immediate (they never wait for a write, and never write); every change
 * is asynchronous, so that a long one (recording a large scan, re-judging every key for a trust change) never stalls
 * the process that asked for it. Changes run one at a time, each in its own transaction.
 */
export interface RecordPort extends RecordReader {
  /** The database file. */
  readonly path: string;
  /** Fails when the database cannot be written (before any AWS work). */
  assertWritable(): Promise<void>;
  addTrust(input: string, note: string | null, actor: string, now: Date): Promise<TrustChange>;
  removeTrust(input: string, actor: string, now: Date): Promise<TrustChange>;
  acknowledge(ack: Acknowledgement): Promise<StoredFinding>;
  /** Holds keys a running scan has read (see ScanSink). */
  stageKeys(scanId: string, keys: readonly KeySnapshot[], now: Date): Promise<void>;
  commitScan(commit: ScanCommit): Promise<CommittedScan>;
  /** Drops what a scan staged: it is abandoned and records nothing. */
  discardScan(scanId: string, now: Date): Promise<void>;
  claimNotifications(now: Date, limit: number): Promise<OutboxRecord[]>;
  claimNotificationIds(ids: readonly number[]): Promise<OutboxRecord[]>;
  markDelivered(id: number, receipt: unknown, now: Date): Promise<void>;
  markFailed(id: number, error: string, retryAt: Date | null): Promise<void>;
  recordAlert(fingerprints: readonly string[], location: AlertLocation, now: Date): Promise<void>;
  claimRequest(key: string, now: Date): Promise<boolean>;
  setBotState(key: string, value: string): Promise<void>;
  rememberHomeUser(userId: string, now: Date): Promise<void>;
  refused(actor: string, action: string, subject: string, now: Date): Promise<void>;
  /** See Store: false, nothing stored, when `holder` no longer holds the key. */
  startRemediation(start: RemediationStart, now: Date, holder: HeldKey): Promise<boolean>;
  /** See recordRemediationOutcome: false when the outcome was dropped (its writer lost the key, or the state moved). */
  recordRemediationOutcome(outcome: RemediationOutcome): Promise<boolean>;
  /** See Store: a delivery claimed, settled, held; pauses; what a dead notifier held; an operator's retry. */
  claimDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): Promise<OutboxRecord[]>;
  settleDelivery(holder: string, deliveryId: string, outcome: DeliveryOutcome): Promise<number>;
  requeueInDoubt(holder: string, note: string): Promise<number>;
  pauseDelivery(pause: DeliveryPause): Promise<void>;
  resumeDelivery(scope: DeliveryPause['scope'], channel: string): Promise<void>;
  releaseDeliveryLease(holder: string): Promise<void>;
  holdDeliveryLease(holder: string, now: Date, ttlMs: number): Promise<LeaseResult>;
  claimDigest(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): Promise<DigestClaim>;
  parkDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): Promise<number>;
  retargetDeliveries(holder: string, moves: readonly DeliveryMove[]): Promise<number>;
  retryNotifications(ids: readonly number[] | 'failed', actor: string, now: Date): Promise<RetriedNotification[]>;
  /** One remediation or undo of a key at a time, across processes (see Store.claimKey). */
  claimKey(claim: KeyClaim, now: Date): Promise<ClaimResult>;
  releaseKey(keyArn: string, claimId: string): Promise<void>;
  renewKey(keyArn: string, claimId: string, now: Date): Promise<boolean>;
  /** See Store: an undo recorded before it writes to AWS, and one that did not happen. */
  startUndo(id: string, policy: string, actor: string, now: Date, holder: HeldKey): Promise<boolean>;
  cancelUndo(id: string, outcome: unknown, actor: string, now: Date, holder: HeldKey): Promise<boolean>;
  /**
   * Throws when the database cannot be used now: the file cannot be opened and read afresh (as a new process would),
   * or the connection that writes has failed.
   */
  probe(): void;
  /** Waits for the changes under way, then closes the database. */
  close(): Promise<void>;
}

/** The operations a RecordPort hands to the code that holds the write connection, by name. */
export type RecordWrites = Pick<
  RecordPort,
  | 'assertWritable'
  | 'addTrust'
  | 'removeTrust'
  | 'acknowledge'
  | 'stageKeys'
  | 'commitScan'
  | 'discardScan'
  | 'claimNotifications'
  | 'claimNotificationIds'
  | 'markDelivered'
  | 'markFailed'
  | 'recordAlert'
  | 'claimRequest'
  | 'setBotState'
  | 'rememberHomeUser'
  | 'refused'
  | 'startRemediation'
  | 'recordRemediationOutcome'
  | 'claimDelivery'
  | 'settleDelivery'
  | 'requeueInDoubt'
  | 'pauseDelivery'
  | 'resumeDelivery'
  | 'releaseDeliveryLease'
  | 'holdDeliveryLease'
  | 'claimDigest'
  | 'parkDelivery'
  | 'retargetDeliveries'
  | 'retryNotifications'
  | 'claimKey'
  | 'releaseKey'
  | 'renewKey'
  | 'startUndo'
  | 'cancelUndo'
>;
