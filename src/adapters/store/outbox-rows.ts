import type { Notification, NotificationKind } from '../../core/notifications.js';
import type { DeliveryTarget, OutboxRecord, OutboxState } from '../../usecases/store-port.js';

/** An outbox row as stored. */
export interface OutboxRow {
  id: number;
  created_at: string;
  kind: NotificationKind;
  fingerprint: string | null;
  account_id: string | null;
  payload: string;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  receipt: string | null;
  delivery_id: string | null;
  delivery_target: string | null;
}

/** An outbox row as the record's port gives it. */
export function recordOf(row: OutboxRow): OutboxRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    kind: row.kind,
    fingerprint: row.fingerprint,
    accountId: row.account_id,
    notification: JSON.parse(row.payload) as Notification,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    receipt: row.receipt === null ? null : JSON.parse(row.receipt),
    deliveryId: row.delivery_id,
    deliveryTarget: row.delivery_target === null ? null : (JSON.parse(row.delivery_target) as DeliveryTarget),
  };
}
