/** Migrations 5: findings with a kind, key items, the outbox as a delivery queue, staged keys and notices. */
export const FINDING_KINDS_MIGRATIONS: readonly string[] = [
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
];
