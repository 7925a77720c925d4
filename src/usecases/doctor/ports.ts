import type { DeliveryPause } from '../store-port.js';

/**
 * What `doctor` needs from Slack and from the database file, beside the AWS port the scan uses. The Slack and store
 * adapters implement them; failures of the Slack calls come out as SlackCallError (src/bot/slack-port.ts).
 */

export interface SlackTokenInfo {
  readonly userId: string;
  /** The bot user's name, for `/invite @name`. */
  readonly user: string | undefined;
  readonly team: string | undefined;
  /** The scopes the token was granted (Slack's x-oauth-scopes header); undefined when Slack did not say. */
  readonly scopes: readonly string[] | undefined;
}

export interface SlackChannelInfo {
  readonly name: string | undefined;
  readonly isMember: boolean;
  readonly isPrivate: boolean;
  readonly isArchived: boolean;
}

export interface DoctorSlackPort {
  /** auth.test. */
  tokenInfo(): Promise<SlackTokenInfo>;
  /** conversations.info. */
  channelInfo(channel: string): Promise<SlackChannelInfo>;
  /** usergroups.users.list. */
  usergroupMembers(groupId: string): Promise<string[]>;
}

/** Why a database file cannot be used or written: a message naming the file, and its kind (for the fix). */
export interface DatabaseProblem {
  readonly message: string;
  readonly kind: 'read-only' | 'not-a-database' | 'busy' | 'disk-full' | 'not-a-file' | 'other';
}

/**
 * What is at the database's path, read without creating, upgrading or changing anything. `missing`: no file yet;
 * `problem` says why none could be made there (undefined: its folder is writable). `unusable`: something is there but
 * cannot be opened as a database. `present`: an SQLite file, with what a write attempt (rolled back) met.
 */
export type DatabaseState =
  | { readonly kind: 'missing'; readonly folder: string; readonly problem: DatabaseProblem | undefined }
  | { readonly kind: 'unusable'; readonly problem: DatabaseProblem }
  | {
      readonly kind: 'present';
      /** Why a write failed; undefined when the file can be written. */
      readonly writeProblem: DatabaseProblem | undefined;
      /** PRAGMA user_version. */
      readonly schema: number;
      /** The schema this kms-sentinel writes. */
      readonly currentSchema: number;
      /** Schema 0 with tables: the SQLite database of another application. */
      readonly foreign: boolean;
      /** PRAGMA journal_mode, lower case. */
      readonly journalMode: string;
      /** What the bot's delivery stands at, as recorded (undefined: a schema that does not record it). */
      readonly delivery?: DeliveryState;
      /** Remediations and undos recorded as under way (undefined: a schema that does not record claims). */
      readonly unfinished?: readonly UnfinishedRemediation[];
    };

/** A remediation `applying`, or an undo `undoing`: under way while a live claim holds its key, else left by a stop. */
export interface UnfinishedRemediation {
  readonly id: string;
  readonly keyArn: string;
  readonly status: 'applying' | 'undoing';
  /** When it, or its undo, started. */
  readonly since: string;
  /** The process holding the key now; undefined: none does, so whoever started it stopped before it ended. */
  readonly heldBy:
    | { readonly actor: string; readonly host: string; readonly pid: number; readonly renewedAt: string }
    | undefined;
}

/** Delivery as the bot recorded it: where it is paused, and how many notifications wait or failed. */
export interface DeliveryState {
  readonly pauses: readonly DeliveryPause[];
  /** The paused channels some waiting notification goes to. */
  readonly awaited: readonly string[];
  readonly waiting: number;
  readonly failed: number;
}

export interface DatabaseInspector {
  inspect(path: string): DatabaseState;
}
