import type { Notification, NotificationKind } from '../../core/notifications.js';
import type { Severity } from '../../core/policy/actions.js';
import type { StoredFinding } from './records.js';

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
  readonly kind: 'alert' | 'digest' | 'thread' | 'warning' | 'summary' | 'silent';
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

/** Which undelivered notifications: all of them, or only those failed for good; the oldest or the latest. */
export interface OutboxFilter {
  readonly failed?: boolean;
  readonly latest?: boolean;
}
