import { type DeliveryLease, DeliveryLeaseLost, type LeaseResult } from '../../usecases/store-port.js';
import { HOST, PID_NAMESPACE, PROCESS_START, stoppedHere } from './process-liveness.js';
import type { Statements } from './statements.js';

interface Row {
  holder: string;
  host: string;
  pid: number;
  pid_namespace: string;
  process_start: string;
  since: string;
  renewed_at: string;
  expires_at: string;
}

/** The delivery lease: one bot at a time delivers from the file. Callers hold the (immediate) transaction. */
export class DeliveryLeases {
  private readonly statements: Statements;

  constructor(statements: Statements) {
    this.statements = statements;
  }

  current(): DeliveryLease | undefined {
    const row = this.statements.sql<[], Row>('SELECT * FROM delivery_lease WHERE id = 1').get();
    return row === undefined ? undefined : leaseOf(row);
  }

  hold(holder: string, now: Date, ttlMs: number): LeaseResult {
    const row = this.statements.sql<[], Row>('SELECT * FROM delivery_lease WHERE id = 1').get();
    const at = now.toISOString();
    const until = new Date(now.getTime() + ttlMs).toISOString();
    if (row !== undefined && row.holder === holder) {
      this.statements.sql('UPDATE delivery_lease SET renewed_at = ?, expires_at = ? WHERE id = 1').run(at, until);
      return { held: true, lease: { ...leaseOf(row), renewedAt: at, expiresAt: until }, takenFrom: undefined };
    }
    if (row !== undefined && !stopped(row, now)) return { held: false, lease: leaseOf(row) };
    this.statements
      .sql(
        `INSERT INTO delivery_lease (id, holder, host, pid, pid_namespace, process_start, since, renewed_at, expires_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid,
           pid_namespace = excluded.pid_namespace, process_start = excluded.process_start, since = excluded.since,
           renewed_at = excluded.renewed_at, expires_at = excluded.expires_at`,
      )
      .run(holder, HOST, process.pid, PID_NAMESPACE, PROCESS_START, at, at, until);
    const lease = { holder, host: HOST, pid: process.pid, since: at, renewedAt: at, expiresAt: until };
    return { held: true, lease, takenFrom: row === undefined ? undefined : leaseOf(row) };
  }

  /** Throws DeliveryLeaseLost unless `holder` holds the lease (whether or not it has lapsed: nobody took it then). */
  assertHeld(holder: string): void {
    const lease = this.current();
    if (lease?.holder !== holder) throw new DeliveryLeaseLost(lease);
  }

  release(holder: string): void {
    this.statements.sql('DELETE FROM delivery_lease WHERE id = 1 AND holder = ?').run(holder);
  }
}

/**
 * The holder has stopped: its lease expired (no heartbeat for its whole term), or it is a process of this machine
 * and PID namespace that no longer runs, or whose ID another process now has (a container restarted after kill -9).
 */
function stopped(row: Row, now: Date): boolean {
  if (Date.parse(row.expires_at) <= now.getTime()) return true;
  return stoppedHere({
    host: row.host,
    pidNamespace: row.pid_namespace,
    pid: row.pid,
    processStart: row.process_start,
  });
}

function leaseOf(row: Row): DeliveryLease {
  return {
    holder: row.holder,
    host: row.host,
    pid: row.pid,
    since: row.since,
    renewedAt: row.renewed_at,
    expiresAt: row.expires_at,
  };
}
