/** Migrations 6 to 9: the Slack bot's records, remediations, overlapping scans, deliveries of any size. */
export const BOT_REMEDIATION_DELIVERY_MIGRATIONS: readonly string[] = [
  // 6: what the Slack bot keeps: where each finding's alert was posted (its later events go into that thread and
  // update it in place), the requests it has acted on (a replayed or double-clicked one acts once), small state
  // (the last incomplete-scan warning), and who opened its Home tab.
  `
  CREATE TABLE alerts (
    fingerprint TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    posted_at TEXT NOT NULL
  );
  CREATE INDEX alerts_message ON alerts (channel, ts);
  CREATE TABLE handled_requests (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL
  );
  CREATE TABLE bot_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE home_users (
    user_id TEXT PRIMARY KEY,
    opened_at TEXT NOT NULL
  );
  `,
  // 7: remediations: the policy as it was read (the backup), what was written and revoked, by whom, and how it ended.
  `
  CREATE TABLE remediations (
    id TEXT PRIMARY KEY,
    key_arn TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('applying', 'applied', 'failed', 'undone')),
    backup_policy TEXT NOT NULL,
    backup_hash TEXT NOT NULL,
    written_policy TEXT,
    plan TEXT NOT NULL,
    revoked TEXT NOT NULL DEFAULT '[]',
    outcome TEXT
  );
  CREATE INDEX remediations_key ON remediations (key_arn, started_at);
  `,
  // 8: overlapping scans and abandoned ones. When each account-region was last read by a recorded scan (an older
  // scan that lands later must not overwrite what a newer one recorded), when a key was last written outside a scan
  // (a remediation's read-back), which process is staging each running scan (rows of one that died are dropped), and
  // what each recent scan found as it landed (its report, unchanged by whatever lands after it).
  `
  CREATE TABLE region_reads (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    read_at TEXT NOT NULL,
    scan_id TEXT NOT NULL,
    PRIMARY KEY (account_id, region)
  );
  ALTER TABLE keys ADD COLUMN replaced_at TEXT;
  CREATE INDEX keys_replaced ON keys (replaced_at) WHERE replaced_at IS NOT NULL;
  ALTER TABLE scans ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE staged_scans (
    scan_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    last_staged_at TEXT NOT NULL
  );
  CREATE INDEX staged_keys_key ON staged_keys (scan_id, key_arn);
  CREATE TABLE scan_findings (
    seq INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL,
    finding TEXT NOT NULL
  );
  CREATE INDEX scan_findings_scan ON scan_findings (scan_id, seq);
  `,
  // 9: deliveries of any size. The notifications one Slack message carries share a delivery ID (the one ID in the
  // message's metadata) and where it goes, stamped when the message is first claimed; and delivery paused while
  // Slack refuses the token (the whole workspace) or the bot is not in a channel, with when to check again.
  `
  ALTER TABLE outbox ADD COLUMN delivery_id TEXT;
  ALTER TABLE outbox ADD COLUMN delivery_target TEXT;
  CREATE INDEX outbox_delivery ON outbox (delivery_id) WHERE delivery_id IS NOT NULL;
  CREATE TABLE delivery_pauses (
    scope TEXT NOT NULL CHECK (scope IN ('workspace', 'channel')),
    channel TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    since TEXT NOT NULL,
    checks INTEGER NOT NULL DEFAULT 0,
    next_check_at TEXT NOT NULL,
    PRIMARY KEY (scope, channel)
  );
  `,
];
