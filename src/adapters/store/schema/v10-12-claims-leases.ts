/** Migrations 10 to 12: key claims, the delivery lease, claims as leases and recorded undos. */
export const CLAIM_LEASE_MIGRATIONS: readonly string[] = [
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
