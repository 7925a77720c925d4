import { type Notification, notificationAccount, notificationFingerprint } from '../../core/notifications.js';
import type { Statements } from './statements.js';

/** The append-only audit log and the notification outbox, written inside the caller's transaction. */
export class Journal {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  audit(at: string, actor: string, action: string, subject: string, before: unknown, after: unknown): void {
    this.statements
      .sql('INSERT INTO audit (at, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?)')
      .run(
        at,
        actor,
        action,
        subject,
        before === null ? null : JSON.stringify(before),
        after === null ? null : JSON.stringify(after),
      );
  }

  /** The one place a notification becomes an outbox row. */
  notify(at: string, notification: Notification): void {
    this.statements
      .sql('INSERT INTO outbox (created_at, kind, fingerprint, account_id, payload) VALUES (?, ?, ?, ?, ?)')
      .run(
        at,
        notification.kind,
        notificationFingerprint(notification),
        notificationAccount(notification),
        JSON.stringify(notification),
      );
  }
}
