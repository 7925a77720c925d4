/**
 * Migration for the summary's trend: the audit log indexed by time, so that the findings' changes of the last weeks
 * are read without reading the whole log.
 */
export const AUDIT_TIME_MIGRATIONS: readonly string[] = [
  // 16: (migration 15 is the Security Hub push's.)
  `
  CREATE INDEX audit_at ON audit (at);
  `,
];
