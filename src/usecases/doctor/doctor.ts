import type { AwsPort } from '../aws-port.js';
import type { ScanPlan } from '../scan-plan.js';
import { type AwsCheckOptions, awsChecks } from './aws-checks.js';
import { type DoctorCheck, skipped } from './check.js';
import { databaseChecks } from './database-checks.js';
import { type EventsDoctorParts, eventChecks } from './event-checks.js';
import type { DatabaseInspector, DoctorSlackPort } from './ports.js';
import { type SecurityHubDoctorParts, securityHubChecks } from './security-hub-checks.js';
import { type SlackSettings, slackChecks } from './slack-checks.js';

export type { DoctorCheck } from './check.js';
export { allPassed } from './check.js';

export interface DoctorParts {
  readonly aws: AwsPort;
  /** Undefined when there is no Slack token. */
  readonly slack: DoctorSlackPort | undefined;
  readonly database: DatabaseInspector;
  /** With config.events: the queue, and the record to read the events seen from. */
  readonly events?: EventsDoctorParts;
  /** With securityHub.enabled: the record to read the push from. */
  readonly securityHub?: SecurityHubDoctorParts;
}

export interface DoctorRequest {
  readonly plan: ScanPlan;
  /** Undefined when Slack is not configured at all (no token, no Slack settings): its checks are not run. */
  readonly slack: SlackSettings | undefined;
  readonly databasePath: string;
  readonly aws: AwsCheckOptions;
}

/**
 * Checks everything a scan and the bot depend on, each check on its own: a failure stops only the checks that
 * depend on it (they are listed as skipped). The checks come back in a fixed order: AWS, the events queue, Security Hub, Slack, the database.
 */
export async function runDoctor(request: DoctorRequest, parts: DoctorParts): Promise<DoctorCheck[]> {
  const [aws, slack, events] = await Promise.all([
    awsChecks(request.plan, parts.aws, request.aws),
    request.slack === undefined
      ? Promise.resolve([skipped('slack', 'Slack', 'not configured (no SLACK_BOT_TOKEN, no slack: settings)')])
      : slackChecks(request.slack, parts.slack),
    parts.events === undefined ? Promise.resolve([]) : eventChecks(parts.events),
  ]);
  const database = databaseChecks(
    request.databasePath,
    parts.database.inspect(request.databasePath),
    request.slack?.channels,
  );
  const securityHub = parts.securityHub === undefined ? [] : securityHubChecks(parts.securityHub);
  return [...aws, ...events, ...securityHub, ...slack, ...database];
}
