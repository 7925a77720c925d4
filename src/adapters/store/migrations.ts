/**
 * The schema, as ordered migrations. The database's `PRAGMA user_version` says how many have been applied; opening
 * applies the rest in one transaction. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
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
  // 5: findings carry a kind (what code branches on) and may be about a whole key (source 'key': unreadable or not
  // judged); SQLite cannot widen a CHECK, so the table is rebuilt. Rows of older versions get their kind from what
  // those versions wrote, once; every scan writes it afresh. The outbox becomes a delivery queue; scans stage their
  // keys as they read them and keep their notices.
  `
  CREATE TABLE findings_v5 (
    fingerprint TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_arn TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('policy', 'grant', 'key')),
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
  INSERT INTO findings_v5
  SELECT fingerprint,
    CASE
      WHEN reason = 'unparseable-policy' THEN 'unparseable-policy'
      WHEN source = 'grant' AND reason LIKE 'retiring principal:%' THEN 'retiring-grantee'
      WHEN source = 'grant' THEN 'grantee'
      WHEN public = 1 THEN 'public'
      WHEN reason LIKE 'organization %' THEN 'organization'
      WHEN reason LIKE 'identities federated%' THEN 'federated'
      WHEN reason LIKE 'canonical user%' THEN 'canonical-user'
      WHEN length(principal) = 12 AND principal NOT GLOB '*[^0-9]*' THEN 'account'
      WHEN principal GLOB '*[*?]*' THEN 'principal-pattern'
      ELSE 'principal'
    END,
    account_id, region, key_id, key_arn, source, statement, grant_id, principal, account, actions, severity, public,
    reason, detail, aliases, key_state, status, first_seen, last_seen, times_seen, last_scan_id, ack_by, ack_reason,
    ack_until, resolved_at, resolved_cause
  FROM findings;
  DROP TABLE findings;
  ALTER TABLE findings_v5 RENAME TO findings;
  CREATE INDEX findings_status ON findings (status);
  CREATE INDEX findings_scope ON findings (account_id, region);
  CREATE INDEX findings_key ON findings (key_arn);
  CREATE INDEX findings_scan ON findings (last_scan_id);

  ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'sending', 'delivered', 'failed'));
  ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN last_error TEXT;
  ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
  ALTER TABLE outbox ADD COLUMN delivered_at TEXT;
  ALTER TABLE outbox ADD COLUMN receipt TEXT;
  CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

  CREATE TABLE staged_keys (
    seq INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL,
    staged_at TEXT NOT NULL,
    key_arn TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    aliases TEXT NOT NULL,
    key_state TEXT NOT NULL,
    multi_region INTEGER NOT NULL,
    multi_region_key_type TEXT,
    policy_hash TEXT,
    grants TEXT
  );
  CREATE INDEX staged_keys_scan ON staged_keys (scan_id);
  CREATE TABLE staged_policies (
    scan_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (scan_id, hash)
  );
  CREATE TABLE scan_notices (
    scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    source TEXT NOT NULL,
    statement TEXT,
    grant_id TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX scan_notices_scan ON scan_notices (scan_id);
  ALTER TABLE scan_errors ADD COLUMN key_arn TEXT;
  UPDATE outbox SET payload = json_object(
      'kind', kind,
      'finding', json_set(json(payload), '$.kind', (SELECT f.kind FROM findings f WHERE f.fingerprint = outbox.fingerprint)),
      'cause', json_extract(payload, '$.cause'))
    WHERE kind = 'finding-resolved';
  UPDATE outbox SET payload = json_object(
      'kind', kind,
      'finding', json_set(json(payload), '$.kind', (SELECT f.kind FROM findings f WHERE f.fingerprint = outbox.fingerprint)),
      'scanId', NULL)
    WHERE kind IN ('finding-opened', 'finding-reopened', 'finding-escalated');
  `,
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
  // 10: who is remediating or undoing each key now, so that one does at a time across every process on the file: a
  // row taken in one transaction before AWS is read and deleted with the outcome. The holder's host, process ID and
  // PID namespace tell a process that died (its claim is taken over) from one still at work.
  `
  CREATE TABLE remediation_claims (
    key_arn TEXT PRIMARY KEY,
    claim_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('remediate', 'undo', 'settle')),
    remediation_id TEXT,
    actor TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    pid_namespace TEXT NOT NULL,
    claimed_at TEXT NOT NULL
  );
  `,
  // 11: the one bot that delivers from the file: the holder of the delivery lease, with its host, process ID, PID
  // namespace and the start time of its process (a process ID reused after a restart is another process), renewed by
  // its heartbeat. Another bot takes the lease over once it expires, or at once when its holder is a process of this
  // machine that has stopped.
  `
  CREATE TABLE delivery_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    pid_namespace TEXT NOT NULL,
    process_start TEXT NOT NULL,
    since TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  `,
  // 12: a claim is a lease its holder renews while it works (renewed_at; a claim of an older version counts from
  // claimed_at), so that any process on any machine or PID namespace can tell a holder that stopped by its age. An undo
  // records `undoing`, with who and what it is about to write, before it writes to AWS, so that one a crash interrupts
  // is settled from AWS; SQLite cannot widen a CHECK, so the table is rebuilt.
  `
  ALTER TABLE remediation_claims ADD COLUMN renewed_at TEXT;
  CREATE TABLE remediations_v12 (
    id TEXT PRIMARY KEY,
    key_arn TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('applying', 'applied', 'failed', 'undoing', 'undone')),
    backup_policy TEXT NOT NULL,
    backup_hash TEXT NOT NULL,
    written_policy TEXT,
    plan TEXT NOT NULL,
    revoked TEXT NOT NULL DEFAULT '[]',
    outcome TEXT,
    undo_actor TEXT,
    undo_started_at TEXT,
    undo_policy TEXT
  );
  INSERT INTO remediations_v12 (id, key_arn, account_id, region, key_id, actor, reason, started_at, finished_at, status,
    backup_policy, backup_hash, written_policy, plan, revoked, outcome)
  SELECT id, key_arn, account_id, region, key_id, actor, reason, started_at, finished_at, status, backup_policy,
    backup_hash, written_policy, plan, revoked, outcome
  FROM remediations;
  DROP TABLE remediations;
  ALTER TABLE remediations_v12 RENAME TO remediations;
  CREATE INDEX remediations_key ON remediations (key_arn, started_at);
  `,
];
