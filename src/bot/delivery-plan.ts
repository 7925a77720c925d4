import type { Notification } from '../core/notifications.js';
import type { AlertLocation, DeliveryTarget, OutboxRecord } from '../usecases/store-port.js';
import type { ThreadEvent } from './blocks/event-reply.js';

/**
 * What the notifier does with a set of notifications: one Slack message (and updates) for each of these. A delivery
 * claimed before carries its `deliveryId`; a new one gets its ID when it is first claimed.
 */
export type Delivery = PlannedDelivery & { readonly deliveryId?: string };

type PlannedDelivery =
  /** A new alert for one key, in its account's channel. */
  | {
      readonly kind: 'alert';
      readonly channel: string;
      readonly keyArn: string;
      readonly fingerprints: readonly string[];
      readonly ids: readonly number[];
    }
  /** One message instead of an alert per key, when one scan found too many keys at once for a channel. */
  | {
      readonly kind: 'digest';
      readonly channel: string;
      readonly keys: readonly DigestGroup[];
      readonly ids: readonly number[];
    }
  /** A reply in an alert's thread, and the alert updated in place. */
  | {
      readonly kind: 'thread';
      readonly location: AlertLocation;
      readonly events: readonly ThreadEvent[];
      readonly broadcast: boolean;
      readonly ids: readonly number[];
    }
  /** The short warning of an incomplete scheduled scan. */
  | {
      readonly kind: 'warning';
      readonly channel: string;
      readonly notification: Extract<Notification, { kind: 'scan-incomplete' }>;
      readonly ids: readonly number[];
    }
  /** Nothing to post: delivered as it is. */
  | { readonly kind: 'silent'; readonly ids: readonly number[] };

export interface DigestGroup {
  readonly keyArn: string;
  readonly fingerprints: readonly string[];
  readonly notifications: readonly Extract<Notification, { finding: unknown }>[];
}

export interface PlanContext {
  /** The channel for an account's alerts: its own `channel:`, else `slack.channel`. */
  readonly channelFor: (accountId: string) => string;
  readonly alertOf: (fingerprint: string) => AlertLocation | undefined;
  /** Above this many keys with new findings from one scan, a channel gets one digest instead. */
  readonly digestThreshold: number;
  /** Where warnings of incomplete scans go. */
  readonly warningChannel: string;
}

/**
 * Groups notifications into Slack messages: one alert per key with new findings (or a digest per channel past the
 * threshold), one thread reply per alert for what happened to its findings since, a warning for an incomplete
 * scheduled scan, and nothing for the rest. Pure: the same notifications and record, the same plan.
 */
export function planDeliveries(rows: readonly OutboxRecord[], ctx: PlanContext): Delivery[] {
  const deliveries: Delivery[] = [];
  const silent: number[] = [];
  const fresh = new Map<string, Map<string, { rows: OutboxRecord[] }>>();
  const threads = new Map<string, { location: AlertLocation; rows: OutboxRecord[] }>();
  // Notifications claimed before as one delivery go out together again as that delivery, whatever else is due.
  const stamped = new Map<string, { target: DeliveryTarget; rows: OutboxRecord[] }>();
  for (const row of rows) {
    if (row.deliveryId === null || row.deliveryTarget === null) continue;
    const group = stamped.get(row.deliveryId) ?? { target: row.deliveryTarget, rows: [] };
    stamped.set(row.deliveryId, group);
    group.rows.push(row);
  }
  for (const [deliveryId, group] of stamped) {
    deliveries.push(stampedDelivery(deliveryId, group.target, group.rows, ctx));
  }
  for (const row of rows) {
    if (row.deliveryId !== null && row.deliveryTarget !== null) continue;
    const n = row.notification;
    switch (n.kind) {
      case 'finding-opened':
      case 'finding-reopened':
      case 'finding-escalated': {
        const location = ctx.alertOf(n.finding.fingerprint);
        if (n.kind !== 'finding-opened' && location !== undefined) {
          addThread(threads, location, row);
        } else {
          // A scan's findings are grouped by scan; those a trust change opened again, by the moment it did.
          const batch = n.scanId ?? `at:${row.createdAt}`;
          const byKey = fresh.get(batch) ?? new Map();
          fresh.set(batch, byKey);
          const group = byKey.get(n.finding.keyArn) ?? { rows: [] };
          byKey.set(n.finding.keyArn, group);
          group.rows.push(row);
        }
        break;
      }
      case 'finding-resolved':
      case 'finding-acknowledged':
      case 'acknowledgement-expired': {
        const location = ctx.alertOf(n.finding.fingerprint);
        if (location === undefined) silent.push(row.id);
        else addThread(threads, location, row);
        break;
      }
      case 'remediation-applied':
      case 'remediation-failed':
      case 'remediation-undone': {
        const location = n.fingerprints.map((f) => ctx.alertOf(f)).find((l) => l !== undefined);
        if (location === undefined) silent.push(row.id);
        else addThread(threads, location, row);
        break;
      }
      case 'scan-incomplete':
        if (n.startedBy === 'schedule') {
          deliveries.push({ kind: 'warning', channel: ctx.warningChannel, notification: n, ids: [row.id] });
        } else silent.push(row.id);
        break;
      default:
        // Trust changes: the findings they changed each have their own notification.
        silent.push(row.id);
    }
  }
  for (const byKey of fresh.values()) {
    const byChannel = new Map<string, { keyArn: string; rows: OutboxRecord[] }[]>();
    for (const [keyArn, group] of byKey) {
      const first = group.rows[0]?.notification as Extract<Notification, { finding: unknown }>;
      const channel = ctx.channelFor(first.finding.accountId);
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), { keyArn, rows: group.rows }]);
    }
    for (const [channel, keys] of byChannel) {
      if (keys.length > ctx.digestThreshold) {
        deliveries.push({
          kind: 'digest',
          channel,
          keys: keys.map((k) => ({
            keyArn: k.keyArn,
            fingerprints: fingerprintsOf(k.rows),
            notifications: k.rows.map((r) => r.notification as Extract<Notification, { finding: unknown }>),
          })),
          ids: keys.flatMap((k) => k.rows.map((r) => r.id)),
        });
      } else {
        for (const k of keys) {
          deliveries.push({
            kind: 'alert',
            channel,
            keyArn: k.keyArn,
            fingerprints: fingerprintsOf(k.rows),
            ids: k.rows.map((r) => r.id),
          });
        }
      }
    }
  }
  for (const { location, rows: threadRows } of threads.values()) {
    const events = threadRows.map((r) => r.notification as ThreadEvent);
    deliveries.push({
      kind: 'thread',
      location,
      events,
      broadcast: events.some((e) => e.kind === 'finding-reopened' || e.kind === 'finding-escalated'),
      ids: threadRows.map((r) => r.id),
    });
  }
  if (silent.length > 0) deliveries.push({ kind: 'silent', ids: silent });
  return deliveries.sort((a, b) => Math.min(...a.ids) - Math.min(...b.ids));
}

/**
 * A delivery claimed before, as it was planned then: the same kind of message, in the same thread; an alert, a
 * digest or a warning goes to the channel the config names now (a channel fixed since is where a retry goes).
 */
function stampedDelivery(
  deliveryId: string,
  target: DeliveryTarget,
  rows: readonly OutboxRecord[],
  ctx: PlanContext,
): Delivery {
  const ids = rows.map((r) => r.id);
  const findingRows = rows.filter((r) => 'finding' in r.notification);
  const first = findingRows[0]?.notification as Extract<Notification, { finding: unknown }> | undefined;
  switch (target.kind) {
    case 'alert': {
      if (first === undefined) break;
      return {
        kind: 'alert',
        channel: ctx.channelFor(first.finding.accountId),
        keyArn: first.finding.keyArn,
        fingerprints: fingerprintsOf(findingRows),
        ids,
        deliveryId,
      };
    }
    case 'digest': {
      const byKey = new Map<string, OutboxRecord[]>();
      for (const r of findingRows) {
        const keyArn = (r.notification as Extract<Notification, { finding: unknown }>).finding.keyArn;
        byKey.set(keyArn, [...(byKey.get(keyArn) ?? []), r]);
      }
      if (first === undefined) break;
      return {
        kind: 'digest',
        channel: ctx.channelFor(first.finding.accountId),
        keys: [...byKey].map(([keyArn, keyRows]) => ({
          keyArn,
          fingerprints: fingerprintsOf(keyRows),
          notifications: keyRows.map((r) => r.notification as Extract<Notification, { finding: unknown }>),
        })),
        ids,
        deliveryId,
      };
    }
    case 'thread': {
      if (target.threadTs === null) break;
      const events = rows.map((r) => r.notification as ThreadEvent);
      return {
        kind: 'thread',
        location: { channel: target.channel, ts: target.threadTs },
        events,
        broadcast: events.some((e) => e.kind === 'finding-reopened' || e.kind === 'finding-escalated'),
        ids,
        deliveryId,
      };
    }
    case 'warning': {
      const warning = rows.find((r) => r.notification.kind === 'scan-incomplete')?.notification;
      if (warning?.kind !== 'scan-incomplete') break;
      return { kind: 'warning', channel: ctx.warningChannel, notification: warning, ids, deliveryId };
    }
    case 'silent':
      break;
  }
  return { kind: 'silent', ids, deliveryId };
}

function addThread(
  threads: Map<string, { location: AlertLocation; rows: OutboxRecord[] }>,
  location: AlertLocation,
  row: OutboxRecord,
) {
  const key = `${location.channel}/${location.ts}`;
  const thread = threads.get(key) ?? { location, rows: [] };
  threads.set(key, thread);
  thread.rows.push(row);
}

function fingerprintsOf(rows: readonly OutboxRecord[]): string[] {
  return [
    ...new Set(rows.map((r) => (r.notification as Extract<Notification, { finding: unknown }>).finding.fingerprint)),
  ];
}
