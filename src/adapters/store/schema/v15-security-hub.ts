/**
 * Migration for the push to Security Hub: what it holds of each finding, so that only new and changed findings are
 * sent, resolved ones are archived there, and a restart neither loses nor repeats a push.
 */
export const SECURITY_HUB_MIGRATIONS: readonly string[] = [
  // 15: `state` is the finding's state (see SecurityHubRecords.STATE) that Security Hub accepted last, at `pushed_at`
  // (the UpdatedAt it was sent with); NULL while it never accepted one. `failed_*`: the last push of the finding
  // that failed for good (every retry spent), until one succeeds.
  `
  CREATE TABLE security_hub_findings (
    fingerprint TEXT PRIMARY KEY,
    state TEXT,
    pushed_at TEXT,
    failed_state TEXT,
    failed_at TEXT,
    failed_code TEXT,
    failed_message TEXT
  );
  CREATE INDEX security_hub_failures ON security_hub_findings (failed_at) WHERE failed_at IS NOT NULL;
  `,
];
