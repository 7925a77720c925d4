import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { isSentinelError, messageOf } from '../../core/errors.js';
import type {
  DatabaseInspector,
  DatabaseProblem,
  DatabaseState,
  DeliveryState,
  UnfinishedRemediation,
} from '../../usecases/doctor/ports.js';
import { DeliveryPauses } from './delivery-pauses.js';
import { MIGRATIONS } from './migrations.js';
import { openWithoutWriting } from './open-database.js';
import { Outbox } from './outbox.js';
import { type ClaimRow, claimStopped } from './remediation-claims.js';
import { Statements } from './statements.js';
import { storeError } from './store-errors.js';

/** How long a write attempt waits for another process's write lock before reporting the file busy. */
const BUSY_WAIT_MS = 3000;

/**
 * Looks at the database file as `doctor` needs, changing nothing: no file or folder is created, the schema is not
 * upgraded, the journal mode is not switched; whether it can be written is learnt from a write that is rolled back.
 */
export const databaseInspector: DatabaseInspector = { inspect: inspectDatabase };

export function inspectDatabase(path: string): DatabaseState {
  const at = kindOf(path);
  if (at.kind === 'missing') return missing(path);
  if (at.kind === 'folder') return unusable(path, 'not-a-file', 'it is a folder');
  if (at.kind === 'error') return { kind: 'unusable', problem: problemOf(path, at.error) };
  if (!at.file) return unusable(path, 'not-a-file', 'it is not a regular file');
  // A connection that may not write would leave -wal and -shm files behind: such a file is only read.
  const denied = writeAccessProblem(path);
  if (denied !== undefined) return readWithoutWriting(path, denied);
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, timeout: BUSY_WAIT_MS });
  } catch (error) {
    return { kind: 'unusable', problem: problemOf(path, error) };
  }
  try {
    const { schema, foreign } = schemaOf(db);
    const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    return {
      kind: 'present',
      writeProblem: writeProblem(db, path, schema),
      schema,
      currentSchema: MIGRATIONS.length,
      foreign,
      journalMode,
      ...deliveryOf(db),
      ...unfinishedOf(db),
    };
  } catch (error) {
    return { kind: 'unusable', problem: problemOf(path, error) };
  } finally {
    db.close();
  }
}

/** A file this user may not write: read as it is, the journal mode from its header (WAL is recorded there). */
function readWithoutWriting(path: string, writeProblem: DatabaseProblem): DatabaseState {
  let db: Database.Database;
  try {
    db = openWithoutWriting(path);
  } catch (error) {
    return { kind: 'unusable', problem: problemOf(path, error) };
  }
  try {
    const { schema, foreign } = schemaOf(db);
    return {
      kind: 'present',
      writeProblem,
      schema,
      currentSchema: MIGRATIONS.length,
      foreign,
      journalMode: headerJournalMode(path),
      ...deliveryOf(db),
      ...unfinishedOf(db),
    };
  } catch (error) {
    return { kind: 'unusable', problem: problemOf(path, error) };
  } finally {
    db.close();
  }
}

/** The delivery the bot recorded, when the schema records it (read only). */
function deliveryOf(db: Database.Database): { delivery?: DeliveryState } {
  const recorded = db
    .prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'delivery_pauses'")
    .pluck()
    .get();
  if (recorded !== 1) return {};
  const statements = new Statements(db);
  const outbox = new Outbox(statements);
  const counts = outbox.counts();
  const pauses = new DeliveryPauses(statements).pauses();
  return {
    delivery: {
      pauses,
      awaited: pauses.filter((p) => p.scope === 'channel' && outbox.waitsFor(p.channel)).map((p) => p.channel),
      waiting: counts.pending + counts.sending,
      failed: counts.failed,
    },
  };
}

/**
 * Remediations and undos recorded as under way, each with the live claim on its key if there is one, when the schema
 * records claims as leases (read only).
 */
function unfinishedOf(db: Database.Database): { unfinished?: UnfinishedRemediation[] } {
  const columns = db.prepare<[], string>("SELECT name FROM pragma_table_info('remediation_claims')").pluck().all();
  if (!columns.includes('renewed_at')) return {};
  const rows = db
    .prepare<
      [],
      {
        id: string;
        key_arn: string;
        status: 'applying' | 'undoing';
        started_at: string;
        undo_started_at: string | null;
      }
    >(
      `SELECT id, key_arn, status, started_at, undo_started_at FROM remediations
       WHERE status IN ('applying', 'undoing') ORDER BY started_at, id LIMIT 100`,
    )
    .all();
  const claim = db.prepare<[string], ClaimRow>('SELECT * FROM remediation_claims WHERE key_arn = ?');
  const now = new Date();
  return {
    unfinished: rows.map((r) => {
      const held = claim.get(r.key_arn);
      return {
        id: r.id,
        keyArn: r.key_arn,
        status: r.status,
        since: r.status === 'undoing' ? (r.undo_started_at ?? r.started_at) : r.started_at,
        heldBy:
          held === undefined || claimStopped(held, now)
            ? undefined
            : { actor: held.actor, host: held.host, pid: held.pid, renewedAt: held.renewed_at ?? held.claimed_at },
      };
    }),
  };
}

function schemaOf(db: Database.Database): { schema: number; foreign: boolean } {
  const schema = db.pragma('user_version', { simple: true }) as number;
  const tables = db
    .prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    .pluck()
    .get() as number;
  return { schema, foreign: schema === 0 && tables > 0 };
}

/** Bytes 18 and 19 of an SQLite file are 2 in WAL mode, 1 with a rollback journal (SQLite's default: delete). */
function headerJournalMode(path: string): string {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return header[18] === 2 && header[19] === 2 ? 'wal' : 'delete';
}

/** Why this user cannot write the file, or the folder SQLite writes its -wal and -shm files in; undefined if both can be. */
function writeAccessProblem(path: string): DatabaseProblem | undefined {
  const folder = dirname(resolve(path));
  for (const [what, target] of [
    ['it is', path],
    [`its folder ${folder} is`, folder],
  ] as const) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const fs = code === 'EROFS' ? ' (a read-only file system)' : '';
      return { kind: 'read-only', message: `cannot use the database ${path}: ${what} read-only${fs} [${code}]` };
    }
  }
  return undefined;
}

/** Rewrites the schema version with its own value and rolls back: a real write, which leaves the file as it was. */
function writeProblem(db: Database.Database, path: string, schema: number): DatabaseProblem | undefined {
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.pragma(`user_version = ${schema}`);
    } finally {
      db.exec('ROLLBACK');
    }
    return undefined;
  } catch (error) {
    return problemOf(path, error);
  }
}

/** No file yet: whether one can be made, from the nearest folder on its path that exists. */
function missing(path: string): DatabaseState {
  let folder = dirname(resolve(path));
  for (;;) {
    const at = kindOf(folder);
    if (at.kind === 'folder') break;
    if (at.kind === 'file' || at.kind === 'error') {
      return {
        kind: 'missing',
        folder,
        problem: { kind: 'other', message: `${folder} is in its path but is not a folder` },
      };
    }
    if (dirname(folder) === folder) break;
    folder = dirname(folder);
  }
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    return { kind: 'missing', folder, problem: undefined };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const why = code === 'EROFS' ? 'a read-only file system' : 'permission denied';
    return {
      kind: 'missing',
      folder,
      problem: { kind: 'read-only', message: `${folder} cannot be written (${why}) [${code}]` },
    };
  }
}

type EntryKind =
  | { kind: 'missing' }
  | { kind: 'folder' }
  | { kind: 'file'; file: boolean }
  | { kind: 'error'; error: unknown };

function kindOf(path: string): EntryKind {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? { kind: 'folder' } : { kind: 'file', file: stat.isFile() };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    // A file where a folder should be (ENOTDIR): nothing is at the path; the file in its way is found further up.
    if (code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'error', error };
  }
}

function unusable(path: string, kind: DatabaseProblem['kind'], why: string): DatabaseState {
  return { kind: 'unusable', problem: { kind, message: `cannot use the database ${path}: ${why}` } };
}

/** SQLite's or the file system's failure in the store's own words, and what kind of problem it is. */
function problemOf(path: string, error: unknown): DatabaseProblem {
  const code = (error as { code?: string }).code ?? '';
  const described = storeError(path, error);
  const message = isSentinelError(described)
    ? described.message
    : `cannot use the database ${path}: ${messageOf(error) ?? String(error)}`;
  const kind: DatabaseProblem['kind'] =
    code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS' || code === 'EPERM'
      ? 'read-only'
      : code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
        ? 'not-a-database'
        : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
          ? 'busy'
          : code === 'SQLITE_FULL' || code === 'ENOSPC'
            ? 'disk-full'
            : 'other';
  return { kind, message };
}
