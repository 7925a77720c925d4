import type { Config } from '../../config/schema.js';
import type { Log } from '../../usecases/log-port.js';
import type { RecordPort } from '../../usecases/record-port.js';
import type { RemediationParts } from '../../usecases/remediation/remediate.js';
import type { Reply } from '../../usecases/slack-listeners.js';
import type { SlackPort } from '../../usecases/slack-port.js';
import type { Admins } from '../authorization.js';
import type { Notifier } from '../notifier.js';
import type { UnsettledRemediations } from '../remediation-settler.js';
import type { ScanCoordinator } from '../scan-coordinator.js';

/** What every handler works with. */
export interface BotDeps {
  readonly config: Config;
  readonly record: RecordPort;
  readonly slack: SlackPort;
  readonly admins: Admins;
  readonly scans: ScanCoordinator;
  readonly notifier: Notifier;
  readonly log: Log;
  readonly now: () => Date;
  /** When the schedule runs next (null: no schedule). */
  readonly nextScan: () => string | null;
  /** Present when remediation.enabled. */
  readonly remediation?: RemediationParts;
  /** Interrupted remediations the bot could not settle yet (see RemediationSettler). */
  readonly unsettledRemediations?: () => UnsettledRemediations | undefined;
  /** With config.events: the events pipeline as it now stands (undefined: not configured). */
  readonly events?: () => import('../../usecases/events/events-report.js').EventsReport | undefined;
  /** With securityHub.enabled: the push to Security Hub as it now stands. */
  readonly securityHub?: () => import('../../usecases/security-hub/sync.js').SecurityHubReport | undefined;
}

/** Answers a request later, through its response_url (visible to the caller only). */
export type Respond = (reply: Reply) => Promise<void>;
