import type { Notification } from '../../core/notifications.js';
import type { KeyFinding, KeySnapshot } from '../../core/scan/types.js';
import type { TrustEntry } from '../../core/trust.js';
import type { Coverage, FindingChanges, ScanError, ScanSummary } from '../scan-types.js';
import type { DeliveryMove, DeliveryOutcome, DeliveryPause, LeaseResult } from './delivery-control.js';
import type { EventSeen } from './event-records.js';
import type {
  AlertLocation,
  BatchExtent,
  DeliveryTarget,
  DigestClaim,
  OutboxRecord,
  RetriedNotification,
} from './outbox-records.js';
import type { RecordReader, ScanRecording } from './record-reader.js';
import type { StoredFinding, TrustAddition } from './records.js';
import type { ClaimResult, HeldKey, KeyClaim, RemediationStart, RemediationStatus } from './remediation-records.js';
import type { HubPushOutcome } from './security-hub-records.js';

/**
 * The durable record, for the code that holds its write connection. Every method that changes state writes its audit
 * rows and outbox rows in the same transaction.
 */
export interface Store extends RecordReader {
  /** Runs `work` in one transaction: all of it lands, or none. */
  transaction<T>(work: () => T): T;

  /**
   * Adds an entry: `added`; `present` when it was already there (nothing changes); `adopted` when it was there only
   * as a member of the organization (trustMembers): it is now the actor's, and stays when the account leaves.
   */
  addTrust(entry: TrustEntry, note: string | null, actor: string, now: Date): TrustAddition;
  /** Removes an entry; false when it was not there. */
  removeTrust(entry: TrustEntry, actor: string, now: Date): boolean;
  /** Adds the config file's entries never imported before (each is imported once); returns those added. */
  importConfigTrust(entries: readonly TrustEntry[], now: Date): TrustEntry[];
  /** Makes the entries added by organization.trustMembers exactly these; returns how many changed. */
  syncOrganizationTrust(entries: readonly TrustEntry[], now: Date): number;
  /** Fails now, before any AWS work, when the database cannot be written. */
  assertWritable(): void;

  /** Holds keys a running scan has read, until the scan is recorded or discarded. */
  stageKeys(scanId: string, keys: readonly KeySnapshot[], now: Date): void;
  /** A scan's staged keys, a page at a time (the caller may write between pages). */
  stagedKeys(scanId: string): Iterable<readonly KeySnapshot[]>;
  /** Drops a scan's staged keys (recorded, or abandoned), and any left by scans that died long ago. */
  discardStaged(scanId: string, now: Date): void;
  /** How many keys a scan has staged. */
  stagedCount(scanId: string): number;

  /** Starts writing a finished scan: the scan, its errors and its coverage. Call inside a transaction. */
  beginScan(
    scan: ScanSummary,
    errors: readonly ScanError[],
    coverage: readonly Coverage[],
    startedBy: string,
    now: Date,
  ): ScanRecording;

  /** Brings one key's findings in line with a fresh judgement of its stored policy and grants. */
  applyEvaluation(
    key: KeySnapshot,
    findings: readonly KeyFinding[],
    cause: string,
    actor: string,
    now: Date,
  ): FindingChanges & {
    readonly resolvedFingerprints: readonly string[];
    readonly reopenedFingerprints: readonly string[];
  };
  /** The engine failed on a stored key while judging it again: its findings stand, and an item says so. */
  keyUnjudged(key: KeySnapshot, message: string, actor: string, now: Date): void;
  /** Ends a key's item of this kind, if it has an open one. */
  resolveKeyItem(
    keyArn: string,
    kind: 'unreadable' | 'analysis-error',
    cause: string,
    actor: string,
    now: Date,
  ): number;

  acknowledge(fingerprint: string, actor: string, reason: string, until: Date | null, now: Date): StoredFinding;
  /** Writes a notification that belongs to no single finding change (a trust change, say). */
  notify(notification: Notification, now: Date): void;
  /**
   * Writes a notification once for `key` (a scheduled summary's minute, say): false, writing nothing, when one was
   * written for that key before (by another bot on the file, or before a restart).
   */
  notifyOnce(key: string, notification: Notification, now: Date): boolean;

  /** Hands these notifications to a notifier, those still pending; returns those it now holds. */
  claimNotificationIds(ids: readonly number[]): OutboxRecord[];
  markDelivered(id: number, receipt: unknown, now: Date): void;
  /**
   * Hands a delivery to a notifier: every pending notification already stamped with `deliveryId`, and those of `ids`
   * still pending and in no delivery, which are stamped with it (a notification is never in two); all get `target`
   * (where it goes now). They become `sending`, one more attempt; returns them. Like every write of a delivery
   * (claimDigest, settleDelivery, parkDelivery, retargetDeliveries, requeueInDoubt), it throws DeliveryLeaseLost,
   * changing nothing, unless `holder` holds the delivery lease.
   */
  claimDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): OutboxRecord[];
  /** Settles every notification of a delivery at once, however many; returns how many changed. */
  settleDelivery(holder: string, deliveryId: string, outcome: DeliveryOutcome): number;
  /** Notifications a notifier died holding go back in the queue, to be looked for in Slack before they are sent. */
  requeueInDoubt(holder: string, note: string): number;
  pauseDelivery(pause: DeliveryPause): void;
  resumeDelivery(scope: DeliveryPause['scope'], channel: string): void;
  /** Lets the delivery lease go, if `holder` holds it (a bot that stops cleanly: the next one takes over at once). */
  releaseDeliveryLease(holder: string): void;
  /**
   * Takes or renews the delivery lease for `ttlMs` from `now`: renewed when `holder` holds it, taken when it is free,
   * expired, or held by a process of this machine that has stopped; else who holds it.
   */
  holdDeliveryLease(holder: string, now: Date, ttlMs: number): LeaseResult;
  /**
   * Hands a digest to a notifier as claimDelivery does (with `extent`, the rest of its batch too), without loading
   * its notifications: returns them counted, and what its message shows.
   */
  claimDigest(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): DigestClaim;
  /**
   * Stamps a delivery that cannot go now (its channel is paused) on those of `ids` in no delivery yet, or sends one
   * stamped before where `target` says (see movedTarget), leaving them pending: reads of what is due pass them by
   * until their channel resumes. Returns how many changed.
   */
  parkDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): number;
  /**
   * Changes waiting deliveries to follow the config, in order (see DeliveryMove); one tried before is looked for
   * where it was tried, and a part split from it as that delivery too. A delivery tried before is never planned
   * afresh. Returns how many notifications changed.
   */
  retargetDeliveries(holder: string, moves: readonly DeliveryMove[]): number;
  /**
   * Puts failed notifications back in the queue (`failed`: every one), each with the rest of its delivery, and
   * writes an audit row for each. Throws, changing nothing, when an ID is unknown or not failed.
   */
  retryNotifications(ids: readonly number[] | 'failed', actor: string, now: Date): RetriedNotification[];

  /** Remembers which findings a message posted at `location` shows. */
  recordAlert(fingerprints: readonly string[], location: AlertLocation, now: Date): void;
  /** True the first time a request (a button click, a modal submission) is seen; false for a replay. */
  claimRequest(key: string, now: Date): boolean;
  setBotState(key: string, value: string): void;
  rememberHomeUser(userId: string, now: Date): void;
  /** Writes the audit row of an action someone was not allowed to take. */
  refused(actor: string, action: string, subject: string, now: Date): void;

  /**
   * Stores one key as it now is: read back after a remediation wrote its policy, or (`readAt`, when the read began)
   * read again for an event. A scan that read the key earlier and lands later does not overwrite it.
   */
  replaceKey(key: KeySnapshot, now: Date, readAt?: Date): void;
  /** Why a reading of this key that began at `readAt` is older than what the record holds (undefined: it is not). */
  newerReading(key: { keyArn: string; accountId: string; region: string }, readAt: Date): string | undefined;
  /** Counts events taken from the queue against the account-region they came from. */
  noteEvents(seen: readonly EventSeen[], now: Date): void;
  /**
   * Stores a remediation's backup and its audit row, before anything is written to AWS; with `holder`, only while that
   * claim holds the key (false, nothing stored, when it no longer does).
   */
  startRemediation(start: RemediationStart, now: Date, holder?: HeldKey): boolean;
  /**
   * Records how a remediation ended, if it is still in one of the states `from` (the state its writer read); returns
   * false, changing nothing, when it is not.
   */
  finishRemediation(
    id: string,
    status: 'applied' | 'failed' | 'undone',
    from: readonly RemediationStatus[],
    outcome: unknown,
    revoked: readonly string[] | undefined,
    actor: string,
    now: Date,
  ): boolean;
  /**
   * Claims a key for one remediation or undo, in one transaction: taken when nobody holds it, or when its holder has
   * stopped (a process of this machine and PID namespace that no longer runs, or a lease not renewed for
   * CLAIM_LEASE_MS); else who holds it, and when it is taken over unless renewed.
   */
  claimKey(claim: KeyClaim, now: Date): ClaimResult;
  /** Lets a key go, if this claim still holds it. */
  releaseKey(keyArn: string, claimId: string): void;
  /** Renews a claim's lease; false when this claim no longer holds the key (it was taken over). */
  renewKey(keyArn: string, claimId: string, now: Date): boolean;
  /**
   * Records an undo about to write (the remediation becomes `undoing`) and its audit row, before anything is written
   * to AWS; throws when the remediation is not `applied`. With `holder`, only while that claim holds the key (false,
   * nothing recorded, when it no longer does).
   */
  startUndo(id: string, policy: string, actor: string, now: Date, holder?: HeldKey): boolean;
  /**
   * An undo that did not happen (`outcome` says why): the remediation, `undoing`, is `applied` again, audited; only
   * while `holder` holds the key. False, changing nothing, when the claim or the state is no longer the writer's.
   */
  cancelUndo(id: string, outcome: unknown, actor: string, now: Date, holder: HeldKey): boolean;

  /** Records what a push to Security Hub did: the versions it accepted, and the findings that failed for good. */
  recordSecurityHubPush(outcome: HubPushOutcome): void;

  close(): void;
}
