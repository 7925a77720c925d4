/**
 * Migrations for near-real-time re-checks: what an event-driven read wrote (a key's reading and where it came from),
 * when a key's access last changed and which kind of read saw it first, and the events seen per account-region.
 */
export const EVENT_MIGRATIONS: readonly string[] = [
  // 13: `read_source` is 'event' when the key's row was last written by a read an event asked for (its `replaced_at`
  // is then that read's start). `access_changed_at` / `access_changed_by` say when the key's policy or grants last
  // changed in the record and whether a scan or an event-driven read saw it first (a scan that sees changes no event
  // announced points to a broken pipeline). `event_sources`: the last event seen from each account-region's bus.
  `
  ALTER TABLE keys ADD COLUMN read_source TEXT;
  ALTER TABLE keys ADD COLUMN access_changed_at TEXT;
  ALTER TABLE keys ADD COLUMN access_changed_by TEXT;
  CREATE INDEX keys_access_changed ON keys (access_changed_at) WHERE access_changed_by = 'scan';
  CREATE TABLE event_sources (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    last_event_at TEXT NOT NULL,
    last_event_name TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    events INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, region)
  );
  `,
];
