import type { Notification } from '../core/notifications.js';
import type { AlertLocation, BatchExtent, DeliveryTarget, OutboxRecord } from '../usecases/store-port.js';
import type { ThreadEvent } from './blocks/event-reply.js';

/**
 * What the notifier does with a set of notifications: one Slack message (and updates) for each of these. A delivery
 * claimed before carries its `deliveryId`; a new one gets its ID when it is first claimed.
 */
export type Delivery = PlannedDelivery & { readonly deliveryId?: string };

type PlannedDelivery =
  /** A new alert for one key, in its account's channel; `extent`: the key's findings beyond the page come with it. */
  | {
      readonly kind: 'alert';
      readonly channel: string;
      readonly keyArn: string;
      readonly fingerprints: readonly string[];
      readonly ids: readonly number[];
      readonly extent?: BatchExtent;
    }
  /**
   * One message instead of an alert per key, when one scan found too many keys at once for a channel; `extent`: the
   * scan's findings for the channel beyond the page come with it (what it says is counted when it is sent).
   */
  | {
      readonly kind: 'digest';
      readonly channel: string;
      readonly ids: readonly number[];
      readonly extent?: BatchExtent;
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
  /** The scheduled summary of the record, in the channel it names. */
  | {
      readonly kind: 'summary';
      readonly channel: string;
      readonly notification: Extract<Notification, { kind: 'summary' }>;
      readonly ids: readonly number[];
    }
  /** Nothing to post: delivered as it is. */
  | { readonly kind: 'silent'; readonly ids: readonly number[] };

export interface PlanContext {
  /** The channel for an account's alerts: its own `channel:`, else `slack.channel`. */
  readonly channelFor: (accountId: string) => string;
  readonly alertOf: (fingerprint: string) => AlertLocation | undefined;
  /** Above this many keys with new findings from one scan, a channel gets one digest instead. */
  readonly digestThreshold: number;
  /** Where warnings of incomplete scans go. */
  readonly warningChannel: string;
  /** The accounts whose findings go to a channel: these, or all but these. */
  readonly accountsFor: (channel: string) => BatchExtent['accounts'];
  /**
   * Set when the notifications planned are a full page (more may wait beyond it): how many keys a scan's batch has
   * for a channel in all, so that the batch makes one digest (or its alerts) whatever part of it the page holds.
   */
  readonly batchKeys?: (extent: BatchExtent) => number;
}

/**
 * Groups notifications into Slack messages: one alert per key with new findings (or a digest per channel past the
 * threshold), one thread reply per alert for what happened to its findings since, a warning for an incomplete
 * scheduled scan, and nothing for the rest. One scan's new findings for a channel are one digest, or one alert per
 * key, however the page splits them (see PlanContext.batchKeys). Pure: the same notifications and record, the same
 * plan.
 */
export function planDeliveries(rows: readonly OutboxRecord[], ctx: PlanContext): Delivery[] {
  const deliveries: Delivery[] = [];
  const silent: number[] = [];
  const fresh = new Map<string, { batch: Batch; byKey: Map<string, { rows: OutboxRecord[] }> }>();
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
          const batchKey = n.scanId ?? `at:${row.createdAt}`;
          const batch = fresh.get(batchKey) ?? {
            batch: { scanId: n.scanId, createdAt: n.scanId === null ? row.createdAt : null },
            byKey: new Map(),
          };
          fresh.set(batchKey, batch);
          const byKey = batch.byKey;
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
      case 'summary':
        deliveries.push({ kind: 'summary', channel: n.channel, notification: n, ids: [row.id] });
        break;
      default:
        // Trust changes: the findings they changed each have their own notification.
        silent.push(row.id);
    }
  }
  for (const { batch, byKey } of fresh.values()) {
    const byChannel = new Map<string, { keyArn: string; rows: OutboxRecord[] }[]>();
    for (const [keyArn, group] of byKey) {
      const first = group.rows[0]?.notification as Extract<Notification, { finding: unknown }>;
      const channel = ctx.channelFor(first.finding.accountId);
      const list = byChannel.get(channel) ?? [];
      list.push({ keyArn, rows: group.rows });
      byChannel.set(channel, list);
    }
    for (const [channel, keys] of byChannel) {
      // The page may hold part of the batch: its size, and the rest of it, come from the record.
      const extent = ctx.batchKeys === undefined ? undefined : { ...batch, accounts: ctx.accountsFor(channel) };
      const size = extent === undefined ? keys.length : Math.max(keys.length, ctx.batchKeys?.(extent) ?? 0);
      if (size > ctx.digestThreshold) {
        deliveries.push({
          kind: 'digest',
          channel,
          ids: keys.flatMap((k) => k.rows.map((r) => r.id)),
          ...(extent === undefined ? {} : { extent }),
        });
      } else {
        for (const k of keys) {
          deliveries.push({
            kind: 'alert',
            channel,
            keyArn: k.keyArn,
            fingerprints: fingerprintsOf(k.rows),
            ids: k.rows.map((r) => r.id),
            ...(extent === undefined ? {} : { extent: { ...extent, keyArn: k.keyArn } }),
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
 * A delivery planned before, as it was planned then: the same kind of message, in the same thread; an alert or a
 * warning goes to the channel the config names now (a channel fixed since is where a retry goes, once the message was
 * looked for where it was tried: see movedTarget), a digest where it was stamped to go (see movesFor).
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
      // Where it was stamped to go: a digest may carry several accounts, and the config could send one of them
      // elsewhere since (the notifier splits it per channel as it starts: never by its first notification's account).
      if (first === undefined) break;
      const channel = target.channel === '' ? ctx.channelFor(first.finding.accountId) : target.channel;
      return { kind: 'digest', channel, ids, deliveryId };
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
    case 'summary': {
      const summary = rows.find((r) => r.notification.kind === 'summary')?.notification;
      if (summary?.kind !== 'summary') break;
      return { kind: 'summary', channel: summary.channel, notification: summary, ids, deliveryId };
    }
    case 'silent':
      break;
  }
  return { kind: 'silent', ids, deliveryId };
}

/** A scan's batch of new findings: its scan, or the moment a trust change opened them again. */
type Batch = Pick<BatchExtent, 'scanId' | 'createdAt'>;

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
