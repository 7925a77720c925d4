import type { Notification, NotificationKind } from '../core/notifications.js';
import type { Severity } from '../core/policy/actions.js';
import type { RemediationPlan } from '../core/remediation/plan.js';
import type { KeyFinding, KeyNotice, KeySnapshot } from '../core/scan/types.js';
import type { TrustEntry } from '../core/trust.js';
import type { Coverage, FindingChanges, ScanError, ScanSummary } from './scan-types.js';

export type { FindingChanges } from './scan-types.js';

export type FindingStatus = 'open' | 'acknowledged' | 'resolved';

export type TrustAddition = 'added' | 'present' | 'adopted';

export interface TrustRecord {
  readonly entry: string;
  readonly kind: TrustEntry['kind'];
  readonly note: string | null;
  readonly addedBy: string;
  readonly addedAt: string;
}

export interface StoredFinding extends KeyFinding {
  readonly fingerprint: string;
  readonly status: FindingStatus;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly timesSeen: number;
  readonly ackBy: string | null;
  readonly ackReason: string | null;
  readonly ackUntil: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedCause: string | null;
}

/** A scan as the record keeps it: its summary, who started it, and what it changed. */
export interface ScanRecord extends ScanSummary {
  readonly startedBy: string;
  readonly errors: number;
  readonly newFindings: number;
  readonly stillOpen: number;
  readonly resolved: number;
}

export interface AuditRecord {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * A notification on its way out. `pending` waits for `nextAttemptAt` (null: now); `sending` was handed to a notifier
 * that has not said how it went (after a crash: in doubt, to be checked before it is sent again); `delivered` and
 * `failed` (refused for good, or out of attempts) are final.
 */
export type OutboxState = 'pending' | 'sending' | 'delivered' | 'failed';

export interface OutboxRecord {
  readonly id: number;
  readonly createdAt: string;
  readonly kind: NotificationKind;
  readonly fingerprint: string | null;
  readonly accountId: string | null;
  readonly notification: Notification;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly deliveredAt: string | null;
  /** What the notifier said it made of it (a Slack channel and message ts, say). */
  readonly receipt: unknown;
  /** The delivery (one Slack message) that carries it, from the first time it was handed to a notifier. */
  readonly deliveryId: string | null;
  readonly deliveryTarget: DeliveryTarget | null;
}

/**
 * What a delivery is and where its message goes: stored on every notification it carries when it is first claimed,
 * so that a retry or a restart plans them together again as that delivery, and looks for it where it went.
 */
export interface DeliveryTarget {
  readonly kind: 'alert' | 'digest' | 'thread' | 'warning' | 'silent';
  /** The channel ('' for a silent delivery). */
  readonly channel: string;
  /** The alert whose thread a reply goes in. */
  readonly threadTs: string | null;
  /**
   * Channels an earlier attempt of it went to, before the config named `channel`: a message that may have gone out
   * there is looked for there before it is sent anywhere.
   */
  readonly lookIn?: readonly string[];
  /**
   * The IDs of deliveries its notifications were tried in before it was split from them (their accounts now go to
   * different channels): a message of any of them is looked for too, since it may have carried these.
   */
  readonly triedAs?: readonly string[];
}

/** A delivery stamped on notifications that wait (or failed): where it goes, the accounts it carries, its attempts. */
export interface WaitingDelivery {
  readonly deliveryId: string;
  readonly target: DeliveryTarget;
  /** The accounts of its notifications (none for a warning), each once. */
  readonly accounts: readonly string[];
  readonly attempts: number;
}

/**
 * The rest of a scan's new findings for one channel, beyond the page a delivery was planned from: an alert (of
 * `keyArn`) or a digest carries them all, so that a page boundary never splits what one scan found into two messages.
 */
export interface BatchExtent {
  /** The scan that found them (null: findings a trust change opened again, at `createdAt`). */
  readonly scanId: string | null;
  readonly createdAt: string | null;
  /** The accounts whose findings go to the delivery's channel: these (`only`), or all but these (`except`). */
  readonly accounts: { readonly only: readonly string[] } | { readonly except: readonly string[] };
  /** An alert's key (absent: a digest's, every key). */
  readonly keyArn?: string;
}

/** A digest claimed: what it carries (however many notifications), counted, and its worst keys in full. */
export interface DigestClaim {
  /** The notifications claimed (0: none was still waiting). */
  readonly notifications: number;
  /** The most attempts any of them has had, this one included. */
  readonly attempts: number;
  readonly firstCreatedAt: string;
  /** Notifications tried before this attempt (the IDs an older release named in its metadata), at most 200. */
  readonly triedIds: readonly number[];
  /** Where it goes, as stamped (with where it was tried before). */
  readonly target: DeliveryTarget;
  readonly digest: DigestSummary;
}

/** The unresolved findings a digest carries: counted by severity and by account, and the worst keys listed. */
export interface DigestSummary {
  readonly keys: number;
  readonly severities: readonly SeverityCount[];
  readonly accounts: readonly {
    readonly accountId: string;
    readonly keys: number;
    readonly severities: readonly SeverityCount[];
  }[];
  /** The worst keys (by their worst finding, then by how many), at most 10, each with its findings. */
  readonly worst: readonly { readonly keyArn: string; readonly findings: readonly StoredFinding[] }[];
}

export interface SeverityCount {
  readonly severity: Severity;
  readonly findings: number;
}

/** The bot that delivers from the database: the holder of its delivery lease, and until when it holds it. */
export interface DeliveryLease {
  /** The notifier holding it (unique to one run of one bot). */
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  readonly renewedAt: string;
  readonly expiresAt: string;
}

/**
 * A delivery write refused: the bot asking no longer holds the delivery lease (`lease`: who holds it now; undefined
 * when nobody does). What it claimed before is the holder's now, to look for and settle: it posts nothing more.
 */
export class DeliveryLeaseLost extends Error {
  readonly lease: DeliveryLease | undefined;

  constructor(lease: DeliveryLease | undefined) {
    super(
      lease === undefined
        ? 'this bot no longer holds the delivery lease'
        : `this bot no longer holds the delivery lease: the bot on ${lease.host} (pid ${lease.pid}) delivers`,
    );
    this.name = 'DeliveryLeaseLost';
    this.lease = lease;
  }
}

/**
 * The lease asked for: held (`takenFrom`: the lease of a holder that had stopped, taken over; undefined when it was
 * free or renewed), or held by another bot.
 */
export type LeaseResult =
  | { readonly held: true; readonly lease: DeliveryLease; readonly takenFrom: DeliveryLease | undefined }
  | { readonly held: false; readonly lease: DeliveryLease };

/**
 * A waiting delivery changed to follow the config: sent to another channel whole; the notifications of some of its
 * accounts split off as a delivery of their own (`part`), which goes to `target` and is looked for as the delivery
 * it came from too; or, never tried, its notifications planned afresh (`replan`: they are in no delivery again).
 */
export type DeliveryMove =
  | { readonly deliveryId: string; readonly target: DeliveryTarget }
  | {
      readonly deliveryId: string;
      readonly target: DeliveryTarget;
      readonly part: { readonly deliveryId: string; readonly accounts: readonly string[] };
    }
  | { readonly deliveryId: string; readonly replan: true };

/** How one attempt of a delivery ended, for every notification it carries. */
export type DeliveryOutcome =
  | { readonly state: 'delivered'; readonly receipt: unknown; readonly at: Date }
  /** Tried again at `retryAt`, or never (null: failed for good). */
  | { readonly state: 'failed'; readonly error: string; readonly retryAt: Date | null }
  /** Held back while delivery is paused: it waits, and the attempt does not count. */
  | { readonly state: 'held'; readonly error: string };

/**
 * Delivery held back: Slack refuses the bot's token (`workspace`: nothing can be posted), or the bot is not in a
 * channel (`channel`: that channel's messages wait). The notifier checks again at `nextCheckAt`.
 */
export interface DeliveryPause {
  readonly scope: 'workspace' | 'channel';
  /** The channel paused ('' for the workspace). */
  readonly channel: string;
  /** Slack's error: invalid_auth, token_revoked, account_inactive, not_in_channel… */
  readonly reason: string;
  readonly since: string;
  /** Checks made since it paused (each next one waits longer). */
  readonly checks: number;
  readonly nextCheckAt: string;
}

/** A failed notification put back in the queue by an operator. */
export interface RetriedNotification {
  readonly id: number;
  readonly kind: NotificationKind;
  readonly deliveryId: string | null;
  readonly lastError: string | null;
}

/** Where a message was posted in Slack. */
export interface AlertLocation {
  readonly channel: string;
  readonly ts: string;
}

export interface OutboxCounts {
  readonly pending: number;
  readonly sending: number;
  readonly failed: number;
}

/** A remediation about to write: everything needed to explain it, and to undo it. */
export interface RemediationStart {
  readonly id: string;
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyId: string;
  readonly actor: string;
  readonly reason: string;
  /** The policy exactly as read just before writing, and its SHA-256. */
  readonly backupPolicy: string;
  readonly backupHash: string;
  /** What will be written (null: only grants are revoked). */
  readonly writtenPolicy: string | null;
  readonly plan: RemediationPlan;
}

export interface RemediationRecord extends RemediationStart {
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /**
   * `applying` until it ends: `applied`, `failed` (what was and was not changed is in `outcome`), or `undone`;
   * `undoing` while an undo of it runs (see `undo`).
   */
  readonly status: 'applying' | 'applied' | 'failed' | 'undoing' | 'undone';
  /** IDs of the grants revoked. */
  readonly revoked: readonly string[];
  readonly outcome: unknown;
  /** The undo recorded before it wrote to AWS: under way while `undoing`, kept once `undone` (null: none). */
  readonly undo: UndoStart | null;
}

/** An undo about to write: who, since when, and the policy it writes (the backup). */
export interface UndoStart {
  readonly actor: string;
  readonly startedAt: string;
  readonly policy: string;
}

/**
 * A claim on a key: the one remediation, undo or settling of interrupted remediations allowed to change it at a time,
 * across every process that shares the record.
 */
export interface KeyClaim {
  readonly keyArn: string;
  /** Unique to this claim: only it releases the claim. */
  readonly claimId: string;
  readonly action: 'remediate' | 'undo' | 'settle';
  /** The remediation applied, or undone (null: settling). */
  readonly remediationId: string | null;
  readonly actor: string;
}

/**
 * The claim a remediation's record write is made under: the write happens only while this claim still holds the key
 * (checked, and the claim renewed, in the write's own transaction), so a holder that lost the key records nothing.
 */
export interface HeldKey {
  readonly keyArn: string;
  readonly claimId: string;
}

export type RemediationStatus = RemediationRecord['status'];

/** A claim as held: by which process, where, since when, and when its holder last renewed it. */
export interface KeyClaimHolder extends KeyClaim {
  readonly host: string;
  readonly pid: number;
  readonly claimedAt: string;
  readonly renewedAt: string;
}

/**
 * A claim is a lease: its holder renews it (every CLAIM_RENEW_MS) while it works, and one not renewed for
 * CLAIM_LEASE_MS is taken over, whichever machine or PID namespace its holder ran in.
 */
export const CLAIM_LEASE_MS = 60_000;
export const CLAIM_RENEW_MS = 10_000;

/**
 * Taken (`replaced`: the claim of a holder that had stopped, killed or crashed, that this one took over), or held by
 * someone else.
 */
export type ClaimResult =
  | { readonly taken: true; readonly replaced: KeyClaimHolder | undefined }
  /** `staleAt`: when the claim is taken over unless its holder renews it first. */
  | { readonly taken: false; readonly holder: KeyClaimHolder; readonly staleAt: string };

export interface FindingFilter {
  readonly status: FindingStatus | 'all';
  readonly accountId: string | undefined;
  /** At most this many, the worst first (absent: every one). */
  readonly limit?: number;
}

/** How many findings a filter matches, by severity and by account (the most first), counted by the record. */
export interface FindingCounts {
  readonly total: number;
  readonly bySeverity: ReadonlyMap<Severity, number>;
  readonly byAccount: readonly { readonly accountId: string; readonly count: number }[];
}

/** Which undelivered notifications: all of them, or only those failed for good; the oldest or the latest. */
export interface OutboxFilter {
  readonly failed?: boolean;
  readonly latest?: boolean;
}

/** The record, read: nothing here writes, so a read-only file can be read. */
export interface RecordReader {
  listTrust(): TrustRecord[];
  findings(filter: FindingFilter, now: Date): StoredFinding[];
  findingCounts(filter: FindingFilter, now: Date): FindingCounts;
  finding(fingerprint: string): StoredFinding | undefined;
  scans(limit: number): ScanRecord[];
  audit(limit: number): AuditRecord[];
  /**
   * Notifications not yet delivered (pending, sending, failed), or only the failed ones; the oldest (or with `latest`
   * the latest) `limit` of them, listed oldest first.
   */
  outbox(limit: number, filter?: OutboxFilter): OutboxRecord[];
  /**
   * Pending notifications whose time has come, oldest first; none already in a delivery to one of the `held`
   * channels (paused: they wait, and must not fill the page).
   */
  dueNotifications(now: Date, limit: number, held?: readonly string[]): OutboxRecord[];
  /** Notifications a notifier took and never answered for (it died): check before sending again. */
  inDoubtNotifications(): OutboxRecord[];
  outboxCounts(): OutboxCounts;
  /**
   * When the next pending notification is due (null: none waits); with `after`, the first due later than that; none
   * in a delivery to one of the `held` channels.
   */
  nextNotificationAt(after?: Date, held?: readonly string[]): string | null;
  /**
   * Channels Slack asked to wait (a 429's Retry-After) until a time still ahead of `now`, as the messages it refused
   * record: a bot that starts or takes over waits there too.
   */
  rateLimitedChannels(now: Date): { readonly channel: string; readonly until: string }[];
  /** Where delivery is paused, the workspace first. */
  deliveryPauses(): DeliveryPause[];
  /** Which bot delivers from the database (undefined: none holds the lease). */
  deliveryLease(): DeliveryLease | undefined;
  /** How many keys have new findings in a scan's batch for a channel, among the notifications in no delivery yet. */
  batchKeys(extent: BatchExtent): number;
  /** Whether a notification waiting to be delivered goes to this channel (its delivery's, or its alert's thread). */
  deliveryWaitsFor(channel: string): boolean;
  /** Each delivery stamped on notifications still waiting or failed: where it goes, its accounts, its attempts. */
  waitingDeliveries(): WaitingDelivery[];

  /** The message a finding's alert is in, if it was alerted. */
  alertOf(fingerprint: string): AlertLocation | undefined;
  /** The findings an alert message shows. */
  alertFindings(location: AlertLocation): string[];
  botState(key: string): string | undefined;
  /** Who opened the bot's Home tab (it is refreshed for them after each scan). */
  homeUsers(): string[];
  /** One key as last read. */
  storedKey(keyArn: string): KeySnapshot | undefined;
  remediation(id: string): RemediationRecord | undefined;
  remediations(limit: number): RemediationRecord[];
  /** The findings a scan saw and that are still unresolved, worst first (not the key items of `errors`). */
  scanFindings(scanId: string): Iterable<StoredFinding>;
  scanErrors(scanId: string): Iterable<ScanError>;
  scanNotices(scanId: string): Iterable<KeyNotice>;
  /** The keys as last read, one at a time (the table may be large). */
  storedKeys(): Iterable<KeySnapshot>;
}

/** One scan being written, inside the caller's transaction. */
export interface ScanRecording {
  /**
   * Stores keys as read (a page at a time), and returns those to judge: a key whose stored reading is newer than
   * this scan's (a later scan landed first, a remediation rewrote it) is set aside, and keeps what the record holds.
   */
  saveKeys(keys: readonly KeySnapshot[]): readonly KeySnapshot[];
  /** A finding the scan saw: new, reopened, escalated or still open. */
  seen(finding: KeyFinding): void;
  /** The key was judged in full: items about it not being judged end, and, when its policy was read, its unreadable item. */
  judged(key: KeySnapshot): void;
  /** The engine failed on the key: an error of the scan, and the key counts as unread. */
  unjudged(key: KeySnapshot, error: ScanError): void;
  notices(notices: readonly KeyNotice[]): void;
  /** Resolves what the scan no longer saw where it read in full, forgets deleted keys, and closes the scan. */
  finish(): { readonly changes: FindingChanges; readonly complete: boolean };
}

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

  /** Stores one key as it now is (after a remediation wrote its policy, say). */
  replaceKey(key: KeySnapshot, now: Date): void;
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

  close(): void;
}
