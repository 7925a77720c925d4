import type Database from 'better-sqlite3';
import type { HeldKey } from '../../usecases/store-port.js';
import { BotRecords } from './bot-records.js';
import { DeliveryClaims } from './delivery-claims.js';
import { DeliveryLeases } from './delivery-lease.js';
import { DeliveryPauses } from './delivery-pauses.js';
import { DeliverySettlement } from './delivery-settlement.js';
import { EventSources } from './event-sources.js';
import { FindingLedger } from './finding-ledger.js';
import { Journal } from './journal.js';
import { KeyRecords } from './key-records.js';
import { type OpenMode, openDatabase } from './open-database.js';
import { Outbox } from './outbox.js';
import { Queries } from './queries.js';
import { RemediationClaims } from './remediation-claims.js';
import { RemediationRecords } from './remediation-records.js';
import { Staging } from './staging.js';
import { Statements } from './statements.js';
import { withStoreErrors } from './store-errors.js';
import { TrustRecords } from './trust-records.js';

/**
 * The store's connection and the record's parts over it, with the plumbing every method goes through: a transaction,
 * the translation of SQLite's errors (guard), and the checks a write makes first (the delivery lease, a key's claim).
 */
export class StoreConnection {
  protected readonly db: Database.Database;
  readonly path: string;
  protected readonly statements: Statements;
  protected readonly journal: Journal;
  protected readonly keys: KeyRecords;
  protected readonly ledger: FindingLedger;
  protected readonly trust: TrustRecords;
  protected readonly staging: Staging;
  protected readonly queue: Outbox;
  protected readonly deliveries: DeliveryClaims;
  protected readonly settlement: DeliverySettlement;
  protected readonly pauses: DeliveryPauses;
  protected readonly queries: Queries;
  protected readonly bot: BotRecords;
  protected readonly fixes: RemediationRecords;
  protected readonly claims: RemediationClaims;
  protected readonly lease: DeliveryLeases;
  protected readonly events: EventSources;

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
    this.events = new EventSources(this.statements);
  }

  transaction<T>(work: () => T): T {
    return this.guard(() => this.db.transaction(work).immediate());
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

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** No holder, or one whose claim still holds the key (renewed now): inside the caller's transaction. */
  protected holds(holder: HeldKey | undefined, now: Date): boolean {
    return holder === undefined || this.claims.renew(holder.keyArn, holder.claimId, now);
  }

  protected sql<P extends unknown[] | object = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    return this.statements.sql<P, R>(source);
  }

  /** A write of a delivery, in one transaction with the check that `holder` holds the delivery lease. */
  protected delivering<T>(holder: string, work: () => T): T {
    return this.transaction(() => {
      this.lease.assertHeld(holder);
      return work();
    });
  }

  protected guard<T>(work: () => T): T {
    return withStoreErrors(this.path, work);
  }
}
