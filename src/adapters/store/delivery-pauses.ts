import type { DeliveryPause } from '../../usecases/store-port.js';
import type { Statements } from './statements.js';

interface PauseRow {
  scope: DeliveryPause['scope'];
  channel: string;
  reason: string;
  since: string;
  checks: number;
  next_check_at: string;
}

/** Where delivery is held back (a refused token, a channel the bot is not in), and when it is checked again. */
export class DeliveryPauses {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  pauses(): DeliveryPause[] {
    return this.statements
      .sql<[], PauseRow>("SELECT * FROM delivery_pauses ORDER BY scope = 'channel', channel")
      .all()
      .map((r) => ({
        scope: r.scope,
        channel: r.channel,
        reason: r.reason,
        since: r.since,
        checks: r.checks,
        nextCheckAt: r.next_check_at,
      }));
  }

  pause(p: DeliveryPause): void {
    this.statements
      .sql(
        `INSERT INTO delivery_pauses (scope, channel, reason, since, checks, next_check_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, channel) DO UPDATE SET reason = excluded.reason, since = excluded.since,
           checks = excluded.checks, next_check_at = excluded.next_check_at`,
      )
      .run(p.scope, p.channel, p.reason, p.since, p.checks, p.nextCheckAt);
  }

  resume(scope: DeliveryPause['scope'], channel: string): void {
    this.statements.sql('DELETE FROM delivery_pauses WHERE scope = ? AND channel = ?').run(scope, channel);
  }
}
