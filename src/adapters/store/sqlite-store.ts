import type Database from 'better-sqlite3';
import { SentinelError } from '../../core/errors.js';
import { fingerprintOf } from '../../core/findings/fingerprint.js';
import { findingRef, type Notification } from '../../core/notifications.js';
import { keyProblem } from '../../core/scan/evaluate-key.js';
import type { KeyFinding, KeyNotice, KeySnapshot } from '../../core/scan/types.js';
import type { TrustEntry } from '../../core/trust.js';
import type { Coverage, ScanError, ScanSummary } from '../../usecases/scan-types.js';
import type {
  AlertLocation,
  AuditRecord,
  BatchExtent,
  ClaimResult,
  DeliveryLease,
  DeliveryMove,
  DeliveryOutcome,
  DeliveryPause,
  DeliveryTarget,
  DigestClaim,
  FindingCounts,
  FindingFilter,
  HeldKey,
  KeyClaim,
  LeaseResult,
  OutboxCounts,
  OutboxFilter,
  OutboxRecord,
  RemediationRecord,
  RemediationStart,
  RemediationStatus,
  RetriedNotification,
  ScanRecord,
  ScanRecording,
  Store,
  StoredFinding,
  TrustAddition,
  TrustRecord,
  WaitingDelivery,
} from '../../usecases/store-port.js';
import { BotRecords } from './bot-records.js';
import { DeliveryClaims } from './delivery-claims.js';
import { DeliveryLeases } from './delivery-lease.js';
import { DeliveryPauses } from './delivery-pauses.js';
import { DeliverySettlement } from './delivery-settlement.js';
import { FindingLedger } from './finding-ledger.js';
import { Journal } from './journal.js';
import { KeyRecords } from './key-records.js';
import { type OpenMode, openDatabase, withStoreErrors } from './open-database.js';
import { Outbox } from './outbox.js';
import { Queries } from './queries.js';
import { RemediationClaims } from './remediation-claims.js';
import { RemediationRecords } from './remediation-records.js';
import { SqliteScanRecording } from './scan-recording.js';
import { Staging } from './staging.js';
import { Statements } from './statements.js';
import { TrustRecords } from './trust-records.js';

type Evaluated = ReturnType<Store['applyEvaluation']>;

/**
 * The SQLite store: with the other modules of this folder, the production code that uses better-sqlite3. It holds
 * one connection; in a long-running process the write connection lives in the record's worker (see worker-record.ts).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  readonly path: string;
  private readonly statements: Statements;
  private readonly journal: Journal;
  private readonly keys: KeyRecords;
  private readonly ledger: FindingLedger;
  private readonly trust: TrustRecords;
  private readonly staging: Staging;
  private readonly queue: Outbox;
  private readonly deliveries: DeliveryClaims;
  private readonly settlement: DeliverySettlement;
  private readonly pauses: DeliveryPauses;
  private readonly queries: Queries;
  private readonly bot: BotRecords;
  private readonly fixes: RemediationRecords;
  private readonly claims: RemediationClaims;
  private readonly lease: DeliveryLeases;

  constructor(path: string, mode: OpenMode = 'create') {
    this.path = path;
    this.db = openDatabase(path, mode);
    this.statements = new Statements(this.db);
    const guard = <T>(work: () => T) => this.guard(work);
    this.journal = new Journal(this.statements);
    this.keys = new KeyRecords(this.statements, guard);
    this.ledger = new FindingLedger(this.statements, this.journal);
    this.trust = new TrustRecords(this.statements, this.journal, this.ledger);
    this.staging = new Staging(this.statements);
    this.queue = new Outbox(this.statements);
    this.deliveries = new DeliveryClaims(this.statements);
    this.settlement = new DeliverySettlement(this.statements);
    this.pauses = new DeliveryPauses(this.statements);
    this.queries = new Queries(this.statements, guard);
    this.bot = new BotRecords(this.statements, this.journal);
    this.fixes = new RemediationRecords(this.statements, this.journal);
    this.claims = new RemediationClaims(this.statements, this.journal);
    this.lease = new DeliveryLeases(this.statements);
  }

  transaction<T>(work: () => T): T {
    return this.guard(() => this.db.transaction(work).immediate());
  }

  // --- trust list

  listTrust(): TrustRecord[] {
    return this.guard(() => this.trust.list());
  }

  addTrust(entry: TrustEntry, note: string | null, actor: string, now: Date): TrustAddition {
    return this.transaction(() => this.trust.add(entry, note, actor, now));
  }

  removeTrust(entry: TrustEntry, actor: string, now: Date): boolean {
    return this.transaction(() => this.trust.remove(entry, actor, now));
  }

  importConfigTrust(entries: readonly TrustEntry[], now: Date): TrustEntry[] {
    return this.transaction(() => this.trust.importFromConfig(entries, now));
  }

  syncOrganizationTrust(entries: readonly TrustEntry[], now: Date): number {
    return this.transaction(() => this.trust.syncOrganization(entries, now));
  }

  /**
   * Rewrites the schema version with its own value and rolls it back: a real write, refused at once by a read-only
   * file, that leaves the file exactly as it was.
   */
  assertWritable(): void {
    const probe = new Error('rolled back');
    try {
      this.transaction(() => {
        const version = this.db.pragma('user_version', { simple: true }) as number;
        this.db.pragma(`user_version = ${version}`);
        throw probe;
      });
    } catch (error) {
      if (error !== probe) throw error;
    }
  }

  // --- scans

  stageKeys(scanId: string, keys: readonly KeySnapshot[], now: Date): void {
    this.transaction(() => this.staging.stage(scanId, keys, now.toISOString()));
  }

  stagedKeys(scanId: string): Iterable<readonly KeySnapshot[]> {
    return this.staging.pages(scanId, (work) => this.guard(work));
  }

  stagedCount(scanId: string): number {
    return this.guard(() => this.staging.count(scanId));
  }

  discardStaged(scanId: string, now: Date): void {
    this.transaction(() => this.staging.discard(scanId, now));
  }

  beginScan(
    scan: ScanSummary,
    errors: readonly ScanError[],
    coverage: readonly Coverage[],
    startedBy: string,
    now: Date,
  ): ScanRecording {
    if (!this.db.inTransaction) throw new Error('beginScan must be called inside a transaction');
    const parts = { statements: this.statements, journal: this.journal, ledger: this.ledger, keys: this.keys };
    return this.guard(() => new SqliteScanRecording(parts, scan, errors, coverage, startedBy, now));
  }

  /** The keys as last read, page by page (the caller may write between pages). */
  storedKeys(): Iterable<KeySnapshot> {
    return this.keys.all();
  }

  applyEvaluation(
    key: KeySnapshot,
    findings: readonly KeyFinding[],
    cause: string,
    actor: string,
    now: Date,
  ): Evaluated {
    return this.transaction(() => this.ledger.applyEvaluation(key, findings, cause, actor, now.toISOString()));
  }

  keyUnjudged(key: KeySnapshot, message: string, actor: string, now: Date): void {
    this.transaction(() => {
      const item = keyProblem(key, 'analysis-error', message);
      this.ledger.upsert(fingerprintOf(item), item, null, actor, now.toISOString(), false);
    });
  }

  resolveKeyItem(
    keyArn: string,
    kind: 'unreadable' | 'analysis-error',
    cause: string,
    actor: string,
    now: Date,
  ): number {
    return this.transaction(
      () =>
        this.ledger.resolveWhere(
          "status != 'resolved' AND key_arn = ? AND kind = ?",
          [keyArn, kind],
          cause,
          actor,
          now.toISOString(),
        ).length,
    );
  }

  // --- reads

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

  // --- acknowledgements and notifications

  acknowledge(fingerprint: string, actor: string, reason: string, until: Date | null, now: Date): StoredFinding {
    return this.transaction(() => {
      const at = now.toISOString();
      this.ledger.expireAcknowledgements(at);
      const before = this.ledger.row(fingerprint);
      if (before === undefined) throw new SentinelError('not-found', `no finding has the fingerprint ${fingerprint}`);
      if (before.status === 'resolved') {
        throw new SentinelError(
          'not-found',
          `finding ${fingerprint} is resolved (${before.resolvedCause}); there is nothing to acknowledge`,
        );
      }
      this.sql(
        "UPDATE findings SET status = 'acknowledged', ack_by = ?, ack_reason = ?, ack_until = ? WHERE fingerprint = ?",
      ).run(actor, reason, until?.toISOString() ?? null, fingerprint);
      const after = this.ledger.row(fingerprint) as StoredFinding;
      this.journal.audit(at, actor, 'finding-acknowledged', fingerprint, statusPart(before), statusPart(after));
      this.journal.notify(at, {
        kind: 'finding-acknowledged',
        finding: findingRef(after),
        by: actor,
        reason,
        until: after.ackUntil,
      });
      return after;
    });
  }

  notify(notification: Notification, now: Date): void {
    this.transaction(() => this.journal.notify(now.toISOString(), notification));
  }

  outbox(limit: number, filter?: OutboxFilter): OutboxRecord[] {
    return this.guard(() => this.queue.undelivered(limit, filter));
  }

  claimNotificationIds(ids: readonly number[]): OutboxRecord[] {
    return this.transaction(() => this.deliveries.claimIds(ids));
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

  claimDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): OutboxRecord[] {
    return this.delivering(holder, () => this.deliveries.claimDelivery(ids, deliveryId, target, extent));
  }

  settleDelivery(holder: string, deliveryId: string, outcome: DeliveryOutcome): number {
    return this.delivering(holder, () => this.settlement.settleDelivery(deliveryId, outcome));
  }

  requeueInDoubt(holder: string, note: string): number {
    return this.delivering(holder, () => this.settlement.requeueInDoubt(note));
  }

  pauseDelivery(pause: DeliveryPause): void {
    this.transaction(() => this.pauses.pause(pause));
  }

  resumeDelivery(scope: DeliveryPause['scope'], channel: string): void {
    this.transaction(() => this.pauses.resume(scope, channel));
  }

  releaseDeliveryLease(holder: string): void {
    this.transaction(() => this.lease.release(holder));
  }

  holdDeliveryLease(holder: string, now: Date, ttlMs: number): LeaseResult {
    return this.transaction(() => this.lease.hold(holder, now, ttlMs));
  }

  claimDigest(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): DigestClaim {
    return this.delivering(holder, () => this.deliveries.claimDigest(ids, deliveryId, target, extent));
  }

  parkDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): number {
    return this.delivering(holder, () => this.deliveries.park(ids, deliveryId, target, extent));
  }

  retargetDeliveries(holder: string, moves: readonly DeliveryMove[]): number {
    return this.delivering(holder, () => this.deliveries.retarget(moves));
  }

  retryNotifications(ids: readonly number[] | 'failed', actor: string, now: Date): RetriedNotification[] {
    return this.transaction(() => {
      const at = now.toISOString();
      return this.settlement.retry(ids).map(({ before, retried }) => {
        this.journal.audit(
          at,
          actor,
          'notification-retried',
          `outbox:${before.id}`,
          { state: before.state, attempts: before.attempts, lastError: before.lastError, delivery: before.deliveryId },
          { state: 'pending' },
        );
        return retried;
      });
    });
  }

  markDelivered(id: number, receipt: unknown, now: Date): void {
    this.transaction(() => this.settlement.delivered(id, receipt, now));
  }

  // --- the bot's own records

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

  recordAlert(fingerprints: readonly string[], location: AlertLocation, now: Date): void {
    this.transaction(() => this.bot.recordAlert(fingerprints, location, now.toISOString()));
  }

  claimRequest(key: string, now: Date): boolean {
    return this.transaction(() => this.bot.claimRequest(key, now));
  }

  setBotState(key: string, value: string): void {
    this.transaction(() => this.bot.setState(key, value));
  }

  rememberHomeUser(userId: string, now: Date): void {
    this.transaction(() => this.bot.rememberHomeUser(userId, now.toISOString()));
  }

  refused(actor: string, action: string, subject: string, now: Date): void {
    this.transaction(() => this.bot.refused(actor, action, subject, now.toISOString()));
  }

  // --- remediations

  storedKey(keyArn: string): KeySnapshot | undefined {
    return this.guard(() => this.keys.one(keyArn));
  }

  replaceKey(key: KeySnapshot, now: Date): void {
    this.transaction(() => this.keys.replace(key, now.toISOString()));
  }

  remediation(id: string): RemediationRecord | undefined {
    return this.guard(() => this.fixes.get(id));
  }

  remediations(limit: number): RemediationRecord[] {
    return this.guard(() => this.fixes.list(limit));
  }

  startRemediation(start: RemediationStart, now: Date, holder?: HeldKey): boolean {
    return this.transaction(() => {
      if (!this.holds(holder, now)) return false;
      this.fixes.start(start, now.toISOString());
      return true;
    });
  }

  finishRemediation(
    id: string,
    status: 'applied' | 'failed' | 'undone',
    from: readonly RemediationStatus[],
    outcome: unknown,
    revoked: readonly string[] | undefined,
    actor: string,
    now: Date,
  ): boolean {
    return this.transaction(() => this.fixes.finish(id, status, from, outcome, revoked, actor, now.toISOString()));
  }

  claimKey(claim: KeyClaim, now: Date): ClaimResult {
    return this.transaction(() => this.claims.claim(claim, now));
  }

  releaseKey(keyArn: string, claimId: string): void {
    this.transaction(() => this.claims.release(keyArn, claimId));
  }

  renewKey(keyArn: string, claimId: string, now: Date): boolean {
    return this.transaction(() => this.claims.renew(keyArn, claimId, now));
  }

  startUndo(id: string, policy: string, actor: string, now: Date, holder?: HeldKey): boolean {
    return this.transaction(() => {
      if (!this.holds(holder, now)) return false;
      this.fixes.startUndo(id, policy, actor, now.toISOString());
      return true;
    });
  }

  cancelUndo(id: string, outcome: unknown, actor: string, now: Date, holder: HeldKey): boolean {
    return this.transaction(
      () => this.holds(holder, now) && this.fixes.cancelUndo(id, outcome, actor, now.toISOString()),
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // --- internals

  /** No holder, or one whose claim still holds the key (renewed now): inside the caller's transaction. */
  private holds(holder: HeldKey | undefined, now: Date): boolean {
    return holder === undefined || this.claims.renew(holder.keyArn, holder.claimId, now);
  }

  private sql<P extends unknown[] | object = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    return this.statements.sql<P, R>(source);
  }

  /** A write of a delivery, in one transaction with the check that `holder` holds the delivery lease. */
  private delivering<T>(holder: string, work: () => T): T {
    return this.transaction(() => {
      this.lease.assertHeld(holder);
      return work();
    });
  }

  private guard<T>(work: () => T): T {
    return withStoreErrors(this.path, work);
  }
}

function statusPart(f: StoredFinding) {
  return { status: f.status, ackBy: f.ackBy, ackReason: f.ackReason, ackUntil: f.ackUntil };
}
