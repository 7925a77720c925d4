import type { KeyNotice, KeySnapshot } from '../../core/scan/types.js';
import type { SummaryFacts } from '../../core/summary/facts.js';
import type { ScanError } from '../../usecases/scan-types.js';
import type {
  AlertLocation,
  AuditRecord,
  BatchExtent,
  DeliveryLease,
  DeliveryPause,
  EventSourceRecord,
  FindingCounts,
  FindingFilter,
  HubPending,
  HubRecordState,
  KeyHistory,
  OutboxCounts,
  OutboxFilter,
  OutboxRecord,
  RecordReader,
  RemediationRecord,
  ScanRecord,
  SilentSource,
  StoredFinding,
  TrustRecord,
  WaitingDelivery,
} from '../../usecases/store-port.js';

import { readKeyHistory, readKeyItems } from './key-history.js';
import { SecurityHubRecords } from './security-hub-records.js';
import { StoreConnection } from './store-connection.js';
import { summaryFacts } from './summary-queries.js';

/** The record's reads (RecordReader): nothing here writes. */
export class StoreReads extends StoreConnection implements RecordReader {
  protected readonly securityHub = new SecurityHubRecords(this.statements);

  listTrust(): TrustRecord[] {
    return this.guard(() => this.trust.list());
  }

  findings(filter: FindingFilter, now: Date): StoredFinding[] {
    return this.guard(() => this.queries.findings(filter, now));
  }

  findingCounts(filter: FindingFilter, now: Date): FindingCounts {
    return this.guard(() => this.queries.findingCounts(filter, now));
  }

  finding(fingerprint: string): StoredFinding | undefined {
    return this.guard(() => this.queries.finding(fingerprint));
  }

  scanFindings(scanId: string): Iterable<StoredFinding> {
    return this.queries.scanFindings(scanId);
  }

  scanErrors(scanId: string): Iterable<ScanError> {
    return this.queries.scanErrors(scanId);
  }

  scanNotices(scanId: string): Iterable<KeyNotice> {
    return this.queries.scanNotices(scanId);
  }

  scans(limit: number): ScanRecord[] {
    return this.guard(() => this.queries.scans(limit));
  }

  audit(limit: number): AuditRecord[] {
    return this.guard(() => this.queries.audit(limit));
  }

  keyHistory(keyArn: string, auditLimit: number, now: Date): KeyHistory {
    return this.guard(() => readKeyHistory(this.statements, keyArn, auditLimit, now));
  }

  keyItems(): StoredFinding[] {
    return this.guard(() => readKeyItems(this.statements));
  }

  /** The keys as last read, page by page (the caller may write between pages). */
  storedKeys(): Iterable<KeySnapshot> {
    return this.keys.all();
  }

  outbox(limit: number, filter?: OutboxFilter): OutboxRecord[] {
    return this.guard(() => this.queue.undelivered(limit, filter));
  }

  dueNotifications(now: Date, limit: number, held?: readonly string[]): OutboxRecord[] {
    return this.guard(() => this.queue.due(now, limit, held));
  }

  inDoubtNotifications(): OutboxRecord[] {
    return this.guard(() => this.queue.inDoubt());
  }

  outboxCounts(): OutboxCounts {
    return this.guard(() => this.queue.counts());
  }

  rateLimitedChannels(now: Date): { channel: string; until: string }[] {
    return this.guard(() => this.queue.rateLimitedChannels(now));
  }

  nextNotificationAt(after?: Date, held?: readonly string[]): string | null {
    return this.guard(() => this.queue.nextDue(after, held));
  }

  deliveryPauses(): DeliveryPause[] {
    return this.guard(() => this.pauses.pauses());
  }

  deliveryLease(): DeliveryLease | undefined {
    return this.guard(() => this.lease.current());
  }

  batchKeys(extent: BatchExtent): number {
    return this.guard(() => this.queue.batchKeys(extent));
  }

  deliveryWaitsFor(channel: string): boolean {
    return this.guard(() => this.queue.waitsFor(channel));
  }

  waitingDeliveries(): WaitingDelivery[] {
    return this.guard(() => this.queue.waitingDeliveries());
  }

  alertOf(fingerprint: string): AlertLocation | undefined {
    return this.guard(() => this.bot.alertOf(fingerprint));
  }

  alertFindings(location: AlertLocation): string[] {
    return this.guard(() => this.bot.alertFindings(location));
  }

  botState(key: string): string | undefined {
    return this.guard(() => this.bot.state(key));
  }

  homeUsers(): string[] {
    return this.guard(() => this.bot.homeUsers());
  }

  storedKey(keyArn: string): KeySnapshot | undefined {
    return this.guard(() => this.keys.one(keyArn));
  }

  remediation(id: string): RemediationRecord | undefined {
    return this.guard(() => this.fixes.get(id));
  }

  remediations(limit: number): RemediationRecord[] {
    return this.guard(() => this.fixes.list(limit));
  }

  eventSources(): EventSourceRecord[] {
    return this.guard(() => this.events.all());
  }

  silentSources(since: string): SilentSource[] {
    return this.guard(() => this.events.silent(since));
  }

  securityHubPending(now: Date, limit: number, after: string): HubPending[] {
    return this.guard(() => this.securityHub.pending(now, limit, after));
  }

  securityHubState(limit: number): HubRecordState {
    return this.guard(() => this.securityHub.state(limit));
  }

  summaryFacts(now: Date): SummaryFacts {
    return this.guard(() => this.db.transaction(() => summaryFacts(this.statements, now))());
  }
}
