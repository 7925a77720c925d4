import { randomUUID } from 'node:crypto';
import { messageOf } from '../core/errors.js';
import type { Deliverer } from '../usecases/delivery-health.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { type DeliveryLease, DeliveryLeaseLost } from '../usecases/store-port.js';

/** How often the bot that delivers renews its lease, and how long a lease lasts without renewal. */
const RENEW_MS = 10_000;
const TTL_MS = 60_000;
/**
 * How often a bot on standby reads the lease: one let go (its holder stopped cleanly) or lapsed is taken within this.
 * It asks for it every RENEW_MS whatever it read (the record judges a holder of this machine that has stopped).
 */
const STANDBY_CHECK_MS = 1000;

/**
 * This bot's hold on the database's delivery lease: one bot at a time delivers from a database. It is renewed every
 * 10 s on the notifier's clock while held; another bot takes it once it has gone a minute without renewal, or at once
 * when its holder is a process of the same machine that has stopped. A bot that finds it lost the lease (it stalled
 * past its term, and another took over) holds it no more until the notifier asks for it again, once nothing it had
 * under way is left: what that work claimed is the new holder's.
 */
export class LeaseKeeper {
  private readonly record: RecordPort;
  private readonly log: Log;
  private readonly now: () => Date;
  /** This holder: one run of one bot. */
  readonly holder = randomUUID();
  /** The lease as last seen, and whether this bot holds it. */
  private lease: DeliveryLease | undefined;
  private holding = false;
  /** The other bot this one last said delivers (it is said once per holder). */
  private standbyFor: string | null | undefined;
  /** When a bot on standby asks for the lease next whatever it reads (ms on the notifier's clock). */
  private nextAsk = 0;

  constructor(record: RecordPort, log: Log, now: () => Date) {
    this.record = record;
    this.log = log;
    this.now = now;
  }

  get held(): boolean {
    return this.holding;
  }

  /** Which bot delivers from the database, as this one last saw the lease. */
  deliverer(): Deliverer {
    const lease = this.lease;
    if (lease === undefined) return { state: 'starting', host: null, pid: null, since: null };
    return { state: this.holding ? 'this-bot' : 'another-bot', host: lease.host, pid: lease.pid, since: lease.since };
  }

  /**
   * Takes or renews the lease: 'taken' when this bot did not hold it before (what the last holder left in doubt is
   * now this bot's to settle), 'held' when renewed, 'standby' while another bot holds it (said once per holder). A
   * renewal that finds the lease was let go meanwhile (its term ended: another bot took it, then stopped) holds it no
   * more: 'standby', until the notifier asks again.
   */
  async take(): Promise<'taken' | 'held' | 'standby'> {
    const had = this.holding;
    const term = this.lease?.since;
    this.nextAsk = this.now().getTime() + RENEW_MS;
    const result = await this.record.holdDeliveryLease(this.holder, this.now(), TTL_MS);
    // The lease was found lost while this was asked: the notifier asks again once its work has stopped.
    if (had && !this.holding) return 'standby';
    this.lease = result.lease;
    if (result.held) {
      if (had && result.lease.since === term) return 'held';
      if (had) {
        this.lost(undefined);
        return 'standby';
      }
      this.holding = true;
      const waited = this.standbyFor !== undefined;
      this.standbyFor = undefined;
      const from = result.takenFrom;
      if (from === undefined && waited) {
        this.log.warn(
          { event: 'delivery-lease', state: 'taken' },
          'this bot now delivers from the database: the bot that delivered let the lease go (it stopped)',
        );
      } else if (from !== undefined) {
        const why =
          Date.parse(from.expiresAt) <= this.now().getTime() ? 'its lease expired' : 'its process has stopped';
        this.log.warn(
          { event: 'delivery-lease', state: 'taken-over', from: { host: from.host, pid: from.pid }, why },
          `this bot now delivers from the database, in place of the bot on ${from.host} (pid ${from.pid}): ${why}`,
        );
      }
      return 'taken';
    }
    if (had) this.lost(result.lease);
    else this.standingBy(result.lease, 'standby');
    return 'standby';
  }

  /**
   * Just before a post: this bot still holds the lease, as the record has it now (a lease lapsed on this bot's clock,
   * which no other bot took, is renewed first). Throws DeliveryLeaseLost otherwise, and holds it no more.
   */
  async confirm(): Promise<void> {
    if (!this.holding) throw new DeliveryLeaseLost(this.lease);
    const lease = this.record.deliveryLease();
    if (lease?.holder === this.holder && lease.since === this.lease?.since) {
      if (Date.parse(lease.expiresAt) > this.now().getTime()) return;
      if ((await this.take()) === 'held') return;
    }
    this.lost(lease);
    throw new DeliveryLeaseLost(lease);
  }

  /**
   * This bot no longer holds the lease (`lease`: who holds it now, if anybody): it stops delivering, and says so once.
   * Nothing is said when it knew already.
   */
  lost(lease: DeliveryLease | undefined): void {
    if (!this.holding) return;
    this.holding = false;
    if (lease !== undefined) this.lease = lease;
    this.standingBy(lease, 'lost');
  }

  private standingBy(lease: DeliveryLease | undefined, state: 'standby' | 'lost'): void {
    const holder = lease?.holder ?? null;
    if (this.standbyFor === holder) return;
    this.standbyFor = holder;
    if (lease === undefined) {
      this.log.warn(
        { event: 'delivery-lease', state, holder: null },
        'this bot lost the delivery lease (it was let go while this bot was held up): it posts nothing until it has taken the lease again and looked for what it had under way',
      );
      return;
    }
    const { host, pid, since } = lease;
    const what =
      state === 'lost'
        ? `this bot lost the delivery lease (it was held up past its term): another bot (host ${host}, pid ${pid}) took over and delivers from this database`
        : `another bot (host ${host}, pid ${pid}) is delivering from this database`;
    this.log.warn(
      { event: 'delivery-lease', state, holder: { host, pid, since } },
      `${what}: this one answers Slack commands but posts nothing, and takes over once that one stops`,
    );
  }

  /**
   * Whether a bot on standby asks for the lease now: the record shows it let go, lapsed or this bot's, or RENEW_MS
   * have passed since it last asked.
   */
  worthAsking(): boolean {
    const lease = this.record.deliveryLease();
    if (lease === undefined || lease.holder === this.holder) return true;
    this.lease = lease;
    const now = this.now().getTime();
    return Date.parse(lease.expiresAt) <= now || now >= this.nextAsk;
  }

  /** How long a bot on standby waits before it reads the lease again. */
  untilNextTry(): number {
    return STANDBY_CHECK_MS;
  }

  /** Renews the lease every RENEW_MS while this bot holds it, until `signal` aborts. */
  async beat(sleep: (ms: number, signal: AbortSignal) => Promise<void>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(RENEW_MS, signal);
      if (signal.aborted || !this.holding) continue;
      await this.take().catch((error: unknown) => {
        this.log.error({ event: 'delivery-lease', error: messageOf(error) }, 'could not renew the delivery lease');
      });
    }
  }

  /** Lets the lease go (the bot stops cleanly): the next bot on the database takes over at once. */
  async release(): Promise<void> {
    this.holding = false;
    await this.record.releaseDeliveryLease(this.holder).catch((error: unknown) => {
      this.log.warn({ event: 'delivery-lease', error: messageOf(error) }, 'could not let the delivery lease go');
    });
  }
}
