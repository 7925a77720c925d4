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

  notify(at: string, kind: string, fingerprint: string, accountId: string, payload: unknown): void {
    this.statements
      .sql('INSERT INTO outbox (created_at, kind, fingerprint, account_id, payload) VALUES (?, ?, ?, ?, ?)')
      .run(at, kind, fingerprint, accountId, JSON.stringify(payload));
  }
}
