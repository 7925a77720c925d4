import type { EventSeen, EventSourceRecord, SilentSource } from '../../usecases/store-port.js';
import type { Statements } from './statements.js';

/** The events seen per account-region, and where scans see changes that no event announced. */
export class EventSources {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  note(seen: readonly EventSeen[], at: string): void {
    const upsert = this.statements.sql(
      `INSERT INTO event_sources (account_id, region, last_event_at, last_event_name, last_seen_at, events)
       VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT (account_id, region) DO UPDATE SET events = events + 1, last_seen_at = excluded.last_seen_at,
         last_event_name = CASE WHEN excluded.last_event_at >= last_event_at THEN excluded.last_event_name ELSE last_event_name END,
         last_event_at = max(last_event_at, excluded.last_event_at)`,
    );
    for (const e of seen) upsert.run(e.accountId, e.region, e.eventTime, e.eventName, at);
  }

  all(): EventSourceRecord[] {
    return this.statements
      .sql<[], EventSourceRecord>(
        `SELECT account_id AS accountId, region, last_event_at AS lastEventAt, last_event_name AS lastEventName,
           last_seen_at AS lastSeenAt, events FROM event_sources ORDER BY last_event_at DESC`,
      )
      .all();
  }

  /**
   * Account-regions where a scan was first to see a key's access change since `since`, later than the last event
   * from there (or with none at all): an event would have had the change read, and recorded, before the scan.
   */
  silent(since: string): SilentSource[] {
    return this.statements
      .sql<[string], SilentSource>(
        `SELECT k.account_id AS accountId, k.region, max(k.access_changed_at) AS changedAt, k.key_arn AS keyArn,
           e.last_event_at AS lastEventAt
         FROM keys k LEFT JOIN event_sources e ON e.account_id = k.account_id AND e.region = k.region
         WHERE k.access_changed_by = 'scan' AND k.access_changed_at > ?
           AND (e.last_event_at IS NULL OR e.last_event_at < k.access_changed_at)
         GROUP BY k.account_id, k.region ORDER BY k.account_id, k.region`,
      )
      .all(since);
  }
}
