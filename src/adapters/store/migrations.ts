import { RECORD_MIGRATIONS } from './schema/v01-04-record.js';
import { FINDING_KINDS_MIGRATIONS } from './schema/v05-finding-kinds.js';
import { BOT_REMEDIATION_DELIVERY_MIGRATIONS } from './schema/v06-09-bot-remediations-deliveries.js';
import { CLAIM_LEASE_MIGRATIONS } from './schema/v10-12-claims-leases.js';
import { EVENT_MIGRATIONS } from './schema/v13-events.js';
import { STACK_MIGRATIONS } from './schema/v14-stacks.js';
import { SECURITY_HUB_MIGRATIONS } from './schema/v15-security-hub.js';
import { AUDIT_TIME_MIGRATIONS } from './schema/v16-audit-time.js';
import { SECURITY_HUB_GENERATION_MIGRATIONS } from './schema/v17-security-hub-generations.js';

/**
 * The schema, as ordered migrations. The database's `PRAGMA user_version` says how many have been applied; opening
 * applies the rest in one transaction. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  ...RECORD_MIGRATIONS,
  ...FINDING_KINDS_MIGRATIONS,
  ...BOT_REMEDIATION_DELIVERY_MIGRATIONS,
  ...CLAIM_LEASE_MIGRATIONS,
  ...EVENT_MIGRATIONS,
  ...STACK_MIGRATIONS,
  ...SECURITY_HUB_MIGRATIONS,
  ...AUDIT_TIME_MIGRATIONS,
  ...SECURITY_HUB_GENERATION_MIGRATIONS,
];
