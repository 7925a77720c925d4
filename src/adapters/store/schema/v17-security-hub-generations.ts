/**
 * Migration for findings that need a decision again: a finding open after Security Hub held it acknowledged or
 * resolved goes to a new Security Hub finding (a new generation), because Security Hub takes a workflow from its
 * provider only when it creates a finding, and never sets SUPPRESSED back to NEW itself.
 */
export const SECURITY_HUB_GENERATION_MIGRATIONS: readonly string[] = [
  // 17: `generation`: the Security Hub finding `state` was accepted for (0: the first, whose Id has no suffix).
  // `retire_from`: the oldest earlier generation Security Hub may still hold active, to archive at the next push;
  // NULL when every earlier one is archived.
  `
  ALTER TABLE security_hub_findings ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE security_hub_findings ADD COLUMN retire_from INTEGER;
  `,
];
