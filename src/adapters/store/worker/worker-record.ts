import type { Worker } from 'node:worker_threads';
import { SentinelError } from '../../../core/errors.js';
import type { KeyNotice, KeySnapshot } from '../../../core/scan/types.js';
import type { SummaryFacts } from '../../../core/summary/facts.js';
import type { RecordPort } from '../../../usecases/record-port.js';
import { type RecordWrite, recordWritesVia } from '../../../usecases/record-writes.js';
import type { ScanError } from '../../../usecases/scan-types.js';
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
} from '../../../usecases/store-port.js';
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
  const record = new WorkerRecord(path, worker, reader);
  return Object.assign(
    record,
    recordWritesVia((op, args) => record.send(op, args)),
  );
}

/** Opens the record only to read it: no worker, no write of any kind. */
export function openRecordReader(path: string): RecordReader & { readonly path: string; close(): void } {
  return new SqliteStore(path, 'read');
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** The record's reads, on this thread; its changes (RECORD_WRITES) are each sent to the worker by name. */
class WorkerRecord implements Omit<RecordPort, RecordWrite> {
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

  /** Has the worker make one change (or close). */
  send<T>(op: RecordWrite | 'close', args: readonly unknown[]): Promise<T> {
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
  keyHistory(keyArn: string, auditLimit: number, now: Date): KeyHistory {
    return this.reader.keyHistory(keyArn, auditLimit, now);
  }
  keyItems(): StoredFinding[] {
    return this.reader.keyItems();
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
  eventSources(): EventSourceRecord[] {
    return this.reader.eventSources();
  }
  silentSources(since: string): SilentSource[] {
    return this.reader.silentSources(since);
  }
  storedKeys(): Iterable<KeySnapshot> {
    return this.reader.storedKeys();
  }
  securityHubPending(now: Date, limit: number, after: string): HubPending[] {
    return this.reader.securityHubPending(now, limit, after);
  }
  securityHubState(limit: number): HubRecordState {
    return this.reader.securityHubState(limit);
  }
  summaryFacts(now: Date): SummaryFacts {
    return this.reader.summaryFacts(now);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.reader.close();
      if (this.broken === undefined) {
        const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
        // Until it has exited, the worker keeps the process alive, so that closing is awaited to its end.
        this.worker.ref();
        this.unrefWhenIdle = false;
        await this.send('close', []).catch(() => undefined);
        await exited;
      }
    })();
    return this.closing;
  }
}
