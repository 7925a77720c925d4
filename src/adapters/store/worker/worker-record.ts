import type { Worker } from 'node:worker_threads';
import { SentinelError } from '../../../core/errors.js';
import type { KeyNotice, KeySnapshot } from '../../../core/scan/types.js';
import type { Acknowledgement } from '../../../usecases/acknowledge.js';
import type { RecordPort, RecordWrites } from '../../../usecases/record-port.js';
import type { CommittedScan, ScanCommit } from '../../../usecases/record-scan.js';
import type { RemediationOutcome } from '../../../usecases/remediation/record-outcome.js';
import type { ScanError } from '../../../usecases/scan-types.js';
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
  RecordReader,
  RemediationRecord,
  RemediationStart,
  RetriedNotification,
  ScanRecord,
  StoredFinding,
  TrustRecord,
  WaitingDelivery,
} from '../../../usecases/store-port.js';
import type { TrustChange } from '../../../usecases/trust-list.js';
import { startWorker } from '../../threads/start-worker.js';
import { fromWire } from '../../threads/wire-errors.js';
import type { OpenMode } from '../open-database.js';
import { SqliteStore } from '../sqlite-store.js';
import type { Ready, Reply, WorkerStart } from './protocol.js';

/**
 * The worker holds a page of keys at a time and its statements. Its heap is capped (V8 otherwise lets garbage pile
 * up far beyond what is live before it collects), with room for a page of keys that hold tens of thousands of grants.
 */
const RECORD_WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };

export interface OpenRecordOptions {
  /** The config file's trusted: entries, imported (each once) as the record opens. */
  readonly configTrust: readonly string[];
}

/**
 * Opens the record: a worker thread holds the write connection (and migrates the file, and imports the config's
 * trust), and this thread reads through a connection of its own, which WAL lets read while the worker writes.
 */
export async function openRecord(
  path: string,
  mode: Exclude<OpenMode, 'read'>,
  options: OpenRecordOptions,
): Promise<RecordPort> {
  const start: WorkerStart = { path, mode, configTrust: options.configTrust };
  const worker = startWorker(import.meta.url, 'record-worker', start, { resourceLimits: RECORD_WORKER_LIMITS });
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (!ready.ready) {
    await worker.terminate();
    throw fromWire(ready.error, "record's worker thread");
  }
  let reader: SqliteStore;
  try {
    reader = new SqliteStore(path, 'read');
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return new WorkerRecord(path, worker, reader);
}

/** Opens the record only to read it: no worker, no write of any kind. */
export function openRecordReader(path: string): RecordReader & { readonly path: string; close(): void } {
  return new SqliteStore(path, 'read');
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

class WorkerRecord implements RecordPort {
  readonly path: string;
  private readonly worker: Worker;
  private readonly reader: SqliteStore;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | undefined;
  private closing: Promise<void> | undefined;
  private unrefWhenIdle = true;

  constructor(path: string, worker: Worker, reader: SqliteStore) {
    this.path = path;
    this.worker = worker;
    this.reader = reader;
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0 && this.unrefWhenIdle) worker.unref();
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(fromWire(reply.error, "record's worker thread"));
    });
    const fail = (error: Error) => {
      const why =
        (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `it ran out of memory (its heap is capped at ${RECORD_WORKER_LIMITS.maxOldGenerationSizeMb} MB); nothing of the write in flight landed`
          : error.message;
      this.broken = new SentinelError(
        'database-unusable',
        `cannot use the database ${path}: the record's worker stopped (${why})`,
        {
          cause: error,
        },
      );
      for (const waiting of this.pending.values()) waiting.reject(this.broken);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.closing === undefined) fail(new Error(`it exited with code ${code}`));
    });
    worker.unref();
  }

  private call<T>(op: keyof RecordWrites | 'close', ...args: unknown[]): Promise<T> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.closing !== undefined && op !== 'close') {
      return Promise.reject(new SentinelError('database-unusable', `the database ${this.path} is being closed`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ id, op, args });
    });
  }

  probe(): void {
    if (this.broken !== undefined) throw this.broken;
    // A connection of its own each time: this one's cache could hide a file that no longer reads.
    new SqliteStore(this.path, 'read').close();
  }

  // --- reads, on this thread's own connection

  listTrust(): TrustRecord[] {
    return this.reader.listTrust();
  }
  findings(filter: FindingFilter, now: Date): StoredFinding[] {
    return this.reader.findings(filter, now);
  }

  findingCounts(filter: FindingFilter, now: Date): FindingCounts {
    return this.reader.findingCounts(filter, now);
  }
  finding(fingerprint: string): StoredFinding | undefined {
    return this.reader.finding(fingerprint);
  }
  scans(limit: number): ScanRecord[] {
    return this.reader.scans(limit);
  }
  audit(limit: number): AuditRecord[] {
    return this.reader.audit(limit);
  }
  outbox(limit: number, filter?: OutboxFilter): OutboxRecord[] {
    return this.reader.outbox(limit, filter);
  }
  inDoubtNotifications(): OutboxRecord[] {
    return this.reader.inDoubtNotifications();
  }
  dueNotifications(now: Date, limit: number, held?: readonly string[]): OutboxRecord[] {
    return this.reader.dueNotifications(now, limit, held);
  }
  outboxCounts(): OutboxCounts {
    return this.reader.outboxCounts();
  }
  rateLimitedChannels(now: Date): { channel: string; until: string }[] {
    return this.reader.rateLimitedChannels(now);
  }

  nextNotificationAt(after?: Date, held?: readonly string[]): string | null {
    return this.reader.nextNotificationAt(after, held);
  }
  deliveryPauses(): DeliveryPause[] {
    return this.reader.deliveryPauses();
  }
  deliveryLease(): DeliveryLease | undefined {
    return this.reader.deliveryLease();
  }
  batchKeys(extent: BatchExtent): number {
    return this.reader.batchKeys(extent);
  }
  deliveryWaitsFor(channel: string): boolean {
    return this.reader.deliveryWaitsFor(channel);
  }
  waitingDeliveries(): WaitingDelivery[] {
    return this.reader.waitingDeliveries();
  }
  alertOf(fingerprint: string): AlertLocation | undefined {
    return this.reader.alertOf(fingerprint);
  }
  alertFindings(location: AlertLocation): string[] {
    return this.reader.alertFindings(location);
  }
  botState(key: string): string | undefined {
    return this.reader.botState(key);
  }
  homeUsers(): string[] {
    return this.reader.homeUsers();
  }
  storedKey(keyArn: string): KeySnapshot | undefined {
    return this.reader.storedKey(keyArn);
  }
  remediation(id: string): RemediationRecord | undefined {
    return this.reader.remediation(id);
  }
  remediations(limit: number): RemediationRecord[] {
    return this.reader.remediations(limit);
  }
  scanFindings(scanId: string): Iterable<StoredFinding> {
    return this.reader.scanFindings(scanId);
  }
  scanErrors(scanId: string): Iterable<ScanError> {
    return this.reader.scanErrors(scanId);
  }
  scanNotices(scanId: string): Iterable<KeyNotice> {
    return this.reader.scanNotices(scanId);
  }
  storedKeys(): Iterable<KeySnapshot> {
    return this.reader.storedKeys();
  }

  // --- changes, in the worker

  assertWritable(): Promise<void> {
    return this.call('assertWritable');
  }
  addTrust(input: string, note: string | null, actor: string, now: Date): Promise<TrustChange> {
    return this.call('addTrust', input, note, actor, now);
  }
  removeTrust(input: string, actor: string, now: Date): Promise<TrustChange> {
    return this.call('removeTrust', input, actor, now);
  }
  acknowledge(ack: Acknowledgement): Promise<StoredFinding> {
    return this.call('acknowledge', ack);
  }
  stageKeys(scanId: string, keys: readonly KeySnapshot[], now: Date): Promise<void> {
    return this.call('stageKeys', scanId, keys, now);
  }
  commitScan(commit: ScanCommit): Promise<CommittedScan> {
    return this.call('commitScan', commit);
  }
  discardScan(scanId: string, now: Date): Promise<void> {
    return this.call('discardScan', scanId, now);
  }
  claimNotifications(now: Date, limit: number): Promise<OutboxRecord[]> {
    return this.call('claimNotifications', now, limit);
  }
  markDelivered(id: number, receipt: unknown, now: Date): Promise<void> {
    return this.call('markDelivered', id, receipt, now);
  }
  markFailed(id: number, error: string, retryAt: Date | null): Promise<void> {
    return this.call('markFailed', id, error, retryAt);
  }
  claimNotificationIds(ids: readonly number[]): Promise<OutboxRecord[]> {
    return this.call('claimNotificationIds', ids);
  }
  recordAlert(fingerprints: readonly string[], location: AlertLocation, now: Date): Promise<void> {
    return this.call('recordAlert', fingerprints, location, now);
  }
  claimRequest(key: string, now: Date): Promise<boolean> {
    return this.call('claimRequest', key, now);
  }
  setBotState(key: string, value: string): Promise<void> {
    return this.call('setBotState', key, value);
  }
  rememberHomeUser(userId: string, now: Date): Promise<void> {
    return this.call('rememberHomeUser', userId, now);
  }
  refused(actor: string, action: string, subject: string, now: Date): Promise<void> {
    return this.call('refused', actor, action, subject, now);
  }
  startRemediation(start: RemediationStart, now: Date, holder: HeldKey): Promise<boolean> {
    return this.call('startRemediation', start, now, holder);
  }
  recordRemediationOutcome(outcome: RemediationOutcome): Promise<boolean> {
    return this.call('recordRemediationOutcome', outcome);
  }
  claimDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): Promise<OutboxRecord[]> {
    return this.call('claimDelivery', holder, ids, deliveryId, target, extent);
  }
  settleDelivery(holder: string, deliveryId: string, outcome: DeliveryOutcome): Promise<number> {
    return this.call('settleDelivery', holder, deliveryId, outcome);
  }
  requeueInDoubt(holder: string, note: string): Promise<number> {
    return this.call('requeueInDoubt', holder, note);
  }
  pauseDelivery(pause: DeliveryPause): Promise<void> {
    return this.call('pauseDelivery', pause);
  }
  resumeDelivery(scope: DeliveryPause['scope'], channel: string): Promise<void> {
    return this.call('resumeDelivery', scope, channel);
  }
  releaseDeliveryLease(holder: string): Promise<void> {
    return this.call('releaseDeliveryLease', holder);
  }
  holdDeliveryLease(holder: string, now: Date, ttlMs: number): Promise<LeaseResult> {
    return this.call('holdDeliveryLease', holder, now, ttlMs);
  }
  claimDigest(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): Promise<DigestClaim> {
    return this.call('claimDigest', holder, ids, deliveryId, target, extent);
  }
  parkDelivery(
    holder: string,
    ids: readonly number[],
    deliveryId: string,
    target: DeliveryTarget,
    extent?: BatchExtent,
  ): Promise<number> {
    return this.call('parkDelivery', holder, ids, deliveryId, target, extent);
  }
  retargetDeliveries(holder: string, moves: readonly DeliveryMove[]): Promise<number> {
    return this.call('retargetDeliveries', holder, moves);
  }
  retryNotifications(ids: readonly number[] | 'failed', actor: string, now: Date): Promise<RetriedNotification[]> {
    return this.call('retryNotifications', ids, actor, now);
  }
  claimKey(claim: KeyClaim, now: Date): Promise<ClaimResult> {
    return this.call('claimKey', claim, now);
  }
  releaseKey(keyArn: string, claimId: string): Promise<void> {
    return this.call('releaseKey', keyArn, claimId);
  }
  renewKey(keyArn: string, claimId: string, now: Date): Promise<boolean> {
    return this.call('renewKey', keyArn, claimId, now);
  }
  startUndo(id: string, policy: string, actor: string, now: Date, holder: HeldKey): Promise<boolean> {
    return this.call('startUndo', id, policy, actor, now, holder);
  }
  cancelUndo(id: string, outcome: unknown, actor: string, now: Date, holder: HeldKey): Promise<boolean> {
    return this.call('cancelUndo', id, outcome, actor, now, holder);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.reader.close();
      if (this.broken === undefined) {
        const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
        // Until it has exited, the worker keeps the process alive, so that closing is awaited to its end.
        this.worker.ref();
        this.unrefWhenIdle = false;
        await this.call('close').catch(() => undefined);
        await exited;
      }
    })();
    return this.closing;
  }
}
