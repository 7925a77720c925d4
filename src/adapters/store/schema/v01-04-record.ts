/** Migrations 1 to 4: the record (trust list, scans, keys, findings, audit log), the outbox, trust imports, acknowledgement ends. */
export const RECORD_MIGRATIONS: readonly string[] = [
  // 1: trust list, scans, keys as last read, findings with their lifecycle, audit log.
  `
  CREATE TABLE trust (
    entry TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('account', 'principal', 'organization')),
    note TEXT,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
  );
  CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    accounts INTEGER NOT NULL,
    regions INTEGER NOT NULL,
    keys INTEGER NOT NULL,
    customer_managed_keys INTEGER NOT NULL,
    api_calls INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    new_findings INTEGER NOT NULL DEFAULT 0,
    still_open INTEGER NOT NULL DEFAULT 0,
    resolved INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE policies (
    hash TEXT PRIMARY KEY,
    text TEXT NOT NULL
  );
  CREATE TABLE keys (
    key_arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    aliases TEXT NOT NULL,
    key_state TEXT NOT NULL,
    multi_region INTEGER NOT NULL,
    multi_region_key_type TEXT,
    policy_hash TEXT REFERENCES policies(hash),
    grants TEXT,
    first_seen TEXT NOT NULL,
    changed_at TEXT NOT NULL
  );
  CREATE INDEX keys_scope ON keys (account_id, region);
  CREATE INDEX keys_policy ON keys (policy_hash);
  CREATE TABLE findings (
    fingerprint TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_arn TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('policy', 'grant')),
    statement TEXT,
    grant_id TEXT,
    principal TEXT NOT NULL,
    account TEXT,
    actions TEXT NOT NULL,
    severity TEXT NOT NULL,
    public INTEGER NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    aliases TEXT NOT NULL,
    key_state TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    times_seen INTEGER NOT NULL,
    last_scan_id TEXT,
    ack_by TEXT,
    ack_reason TEXT,
    ack_until TEXT,
    resolved_at TEXT,
    resolved_cause TEXT
  );
  CREATE INDEX findings_status ON findings (status);
  CREATE INDEX findings_scope ON findings (account_id, region);
  CREATE INDEX findings_key ON findings (key_arn);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    before TEXT,
    after TEXT
  );
  CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  `,
  // 2: the notification outbox, written with the change that causes it; each scan's errors.
  `
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    fingerprint TEXT,
    account_id TEXT,
    payload TEXT NOT NULL
  );
  CREATE TABLE scan_errors (
    scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    region TEXT,
    key_id TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX scan_errors_scan ON scan_errors (scan_id);
  `,
  // 3: which trusted: entries of the config file were imported, so that each is imported once and a later
  // "trust remove" sticks.
  `
  CREATE TABLE config_trust_imports (
    entry TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL
  );
  `,
  // 4: acknowledgement ends are compared as times. Ends stored past year 9999 ("+275760-09-13...") were meant as
  // "far in the future"; they become the last instant SQLite's date functions can read.
  `
  UPDATE findings SET ack_until = '9999-12-31T23:59:59.999Z'
  WHERE ack_until IS NOT NULL AND julianday(ack_until) IS NULL;
  `,
];
