import type { AlertLocation } from '../../usecases/store-port.js';
import type { Journal } from './journal.js';
import type { Statements } from './statements.js';

/** Requests acted on are remembered this long: Slack replays nothing older than a few minutes. */
const KEEP_REQUESTS_MS = 7 * 24 * 3600 * 1000;

/** What the Slack bot keeps in the record beside the findings. Callers hold the transaction. */
export class BotRecords {
  private readonly statements: Statements;
  private readonly journal: Journal;

  constructor(statements: Statements, journal: Journal) {
    this.statements = statements;
    this.journal = journal;
  }

  alertOf(fingerprint: string): AlertLocation | undefined {
    return this.statements
      .sql<[string], AlertLocation>('SELECT channel, ts FROM alerts WHERE fingerprint = ?')
      .get(fingerprint);
  }

  alertFindings(location: AlertLocation): string[] {
    return this.statements
      .sql<[string, string], string>('SELECT fingerprint FROM alerts WHERE channel = ? AND ts = ? ORDER BY fingerprint')
      .pluck()
      .all(location.channel, location.ts);
  }

  recordAlert(fingerprints: readonly string[], location: AlertLocation, at: string): void {
    const save = this.statements.sql(
      `INSERT INTO alerts (fingerprint, channel, ts, posted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET channel = excluded.channel, ts = excluded.ts, posted_at = excluded.posted_at`,
    );
    for (const fingerprint of fingerprints) save.run(fingerprint, location.channel, location.ts, at);
  }

  /** True the first time a request is seen; false for a replay or a double click. */
  claimRequest(key: string, at: Date): boolean {
    const before = new Date(at.getTime() - KEEP_REQUESTS_MS).toISOString();
    this.statements.sql('DELETE FROM handled_requests WHERE at < ?').run(before);
    return (
      this.statements.sql('INSERT OR IGNORE INTO handled_requests (key, at) VALUES (?, ?)').run(key, at.toISOString())
        .changes > 0
    );
  }

  state(key: string): string | undefined {
    return this.statements.sql<[string], string>('SELECT value FROM bot_state WHERE key = ?').pluck().get(key);
  }

  setState(key: string, value: string): void {
    this.statements
      .sql('INSERT INTO bot_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  homeUsers(): string[] {
    return this.statements.sql<[], string>('SELECT user_id FROM home_users ORDER BY user_id').pluck().all();
  }

  rememberHomeUser(userId: string, at: string): void {
    this.statements
      .sql(
        'INSERT INTO home_users (user_id, opened_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET opened_at = excluded.opened_at',
      )
      .run(userId, at);
  }

  /** An action someone was not allowed to take: refused, and on record. */
  refused(actor: string, action: string, subject: string, at: string): void {
    this.journal.audit(at, actor, 'refused', subject, null, { action });
  }
}
