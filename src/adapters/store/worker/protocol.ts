import type { WireError } from '../../threads/wire-errors.js';
import type { OpenMode } from '../open-database.js';

/** What the record's worker is started with. */
export interface WorkerStart {
  readonly path: string;
  readonly mode: Exclude<OpenMode, 'read'>;
  /** The config file's trusted: entries, imported (each once) when the record opens. */
  readonly configTrust: readonly string[];
}

export interface Request {
  readonly id: number;
  readonly op: string;
  readonly args: readonly unknown[];
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** The worker's first message: open, or why not. */
export type Ready = { readonly ready: true } | { readonly ready: false; readonly error: WireError };
