import type { KeyFinding, KeyNotice, KeySnapshot } from '../../core/scan/types.js';
import type { SummaryFacts } from '../../core/summary/facts.js';
import type { FindingChanges, ScanError } from '../scan-types.js';
import type { DeliveryLease, DeliveryPause } from './delivery-control.js';
import type { EventSourceRecord, SilentSource } from './event-records.js';
import type { KeyHistory } from './key-history.js';
import type {
  AlertLocation,
  BatchExtent,
  OutboxCounts,
  OutboxFilter,
  OutboxRecord,
  WaitingDelivery,
} from './outbox-records.js';
import type { AuditRecord, FindingCounts, FindingFilter, ScanRecord, StoredFinding, TrustRecord } from './records.js';
import type { RemediationRecord } from './remediation-records.js';
import type { HubPending, HubRecordState } from './security-hub-records.js';

/** The record, read: nothing here writes, so a read-only file can be read. */
export interface RecordReader {
  listTrust(): TrustRecord[];
  findings(filter: FindingFilter, now: Date): StoredFinding[];
  findingCounts(filter: FindingFilter, now: Date): FindingCounts;
  finding(fingerprint: string): StoredFinding | undefined;
  scans(limit: number): ScanRecord[];
  audit(limit: number): AuditRecord[];
  /**
   * Notifications not yet delivered (pending, sending, failed), or only the failed ones; the oldest (or with `latest`
   * the latest) `limit` of them, listed oldest first.
   */
  outbox(limit: number, filter?: OutboxFilter): OutboxRecord[];
  /**
   * Pending notifications whose time has come, oldest first; none already in a delivery to one of the `held`
   * channels (paused: they wait, and must not fill the page).
   */
  dueNotifications(now: Date, limit: number, held?: readonly string[]): OutboxRecord[];
  /** Notifications a notifier took and never answered for (it died): check before sending again. */
  inDoubtNotifications(): OutboxRecord[];
  outboxCounts(): OutboxCounts;
  /**
   * When the next pending notification is due (null: none waits); with `after`, the first due later than that; none
   * in a delivery to one of the `held` channels.
   */
  nextNotificationAt(after?: Date, held?: readonly string[]): string | null;
  /**
   * Channels Slack asked to wait (a 429's Retry-After) until a time still ahead of `now`, as the messages it refused
   * record: a bot that starts or takes over waits there too.
   */
  rateLimitedChannels(now: Date): { readonly channel: string; readonly until: string }[];
  /** Where delivery is paused, the workspace first. */
  deliveryPauses(): DeliveryPause[];
  /** Which bot delivers from the database (undefined: none holds the lease). */
  deliveryLease(): DeliveryLease | undefined;
  /** How many keys have new findings in a scan's batch for a channel, among the notifications in no delivery yet. */
  batchKeys(extent: BatchExtent): number;
  /** Whether a notification waiting to be delivered goes to this channel (its delivery's, or its alert's thread). */
  deliveryWaitsFor(channel: string): boolean;
  /** Each delivery stamped on notifications still waiting or failed: where it goes, its accounts, its attempts. */
  waitingDeliveries(): WaitingDelivery[];

  /** The message a finding's alert is in, if it was alerted. */
  alertOf(fingerprint: string): AlertLocation | undefined;
  /** The findings an alert message shows. */
  alertFindings(location: AlertLocation): string[];
  botState(key: string): string | undefined;
  /** Who opened the bot's Home tab (it is refreshed for them after each scan). */
  homeUsers(): string[];
  /** One key as last read. */
  storedKey(keyArn: string): KeySnapshot | undefined;
  /** One key's findings (every status), the latest `auditLimit` audit rows about it, its remediations, its last read. */
  keyHistory(keyArn: string, auditLimit: number, now: Date): KeyHistory;
  /** The unresolved items about whole keys (`unreadable`, `analysis-error`): keys nobody can fully tell about. */
  keyItems(): StoredFinding[];
  remediation(id: string): RemediationRecord | undefined;
  remediations(limit: number): RemediationRecord[];
  /** The findings a scan saw and that are still unresolved, worst first (not the key items of `errors`). */
  scanFindings(scanId: string): Iterable<StoredFinding>;
  scanErrors(scanId: string): Iterable<ScanError>;
  scanNotices(scanId: string): Iterable<KeyNotice>;
  /** The keys as last read, one at a time (the table may be large). */
  storedKeys(): Iterable<KeySnapshot>;
  /** The last event seen from each account-region, latest first. */
  eventSources(): EventSourceRecord[];
  /** Account-regions whose key changes scans see first since `since` (see SilentSource). */
  silentSources(since: string): SilentSource[];
  /** Findings Security Hub does not hold as they now are (see HubPending), by fingerprint after `after`. */
  securityHubPending(now: Date, limit: number, after: string): HubPending[];
  /** The push to Security Hub as recorded, with the latest `limit` failures. */
  securityHubState(limit: number): HubRecordState;
  /** What a summary of the record at `now` is computed from (see summarize), read at one moment. */
  summaryFacts(now: Date): SummaryFacts;
}

/** One scan being written, inside the caller's transaction. */
export interface ScanRecording {
  /**
   * Stores keys as read (a page at a time), and returns those to judge: a key whose stored reading is newer than
   * this scan's (a later scan landed first, a remediation rewrote it) is set aside, and keeps what the record holds.
   */
  saveKeys(keys: readonly KeySnapshot[]): readonly KeySnapshot[];
  /** A finding the scan saw: new, reopened, escalated or still open. */
  seen(finding: KeyFinding): void;
  /** The key was judged in full: items about it not being judged end, and, when its policy was read, its unreadable item. */
  judged(key: KeySnapshot): void;
  /** The engine failed on the key: an error of the scan, and the key counts as unread. */
  unjudged(key: KeySnapshot, error: ScanError): void;
  notices(notices: readonly KeyNotice[]): void;
  /** Resolves what the scan no longer saw where it read in full, forgets deleted keys, and closes the scan. */
  finish(): { readonly changes: FindingChanges; readonly complete: boolean };
}
