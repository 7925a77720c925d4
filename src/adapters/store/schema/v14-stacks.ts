/**
 * Migration for the CloudFormation stack that owns a key (its `aws:cloudformation:stack-name` tag): kept with the key,
 * so that findings a trust change opens from the record name it too, and with each finding, for its alerts.
 */
export const STACK_MIGRATIONS: readonly string[] = [
  // 14: `stack` is NULL while no stack is known: the key's tags were never read (they are read only for a key open
  // beyond its account), could not be read, or name no stack.
  `
  ALTER TABLE keys ADD COLUMN stack TEXT;
  ALTER TABLE staged_keys ADD COLUMN stack TEXT;
  ALTER TABLE findings ADD COLUMN stack TEXT;
  `,
];
