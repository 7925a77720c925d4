import type { RecordWrites } from './record-writes.js';
import type { RecordReader } from './store-port.js';

/**
 * The record as front ends use it. Reads are immediate (they never wait for a write, and never write); every change
 * is asynchronous, so that a long one (recording a large scan, re-judging every key for a trust change) never stalls
 * the process that asked for it. Changes run one at a time, each in its own transaction.
 */
export interface RecordPort extends RecordReader, RecordWrites {
  /** The database file. */
  readonly path: string;
  /**
   * Throws when the database cannot be used now: the file cannot be opened and read afresh (as a new process would),
   * or the connection that writes has failed.
   */
  probe(): void;
  /** Waits for the changes under way, then closes the database. */
  close(): Promise<void>;
}

export type { RecordWrites } from './record-writes.js';
