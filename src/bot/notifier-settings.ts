import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchExtent } from '../usecases/store-port.js';

export interface NotifierSettings {
  readonly channelFor: (accountId: string) => string;
  /** The accounts whose findings go to a channel: these, or all but these (the inverse of channelFor). */
  readonly accountsFor: (channel: string) => BatchExtent['accounts'];
  readonly warningChannel: string;
  /** Every channel the config sends to: a pause of any other is forgotten once no message waits for it. */
  readonly channels: readonly string[];
  readonly digestThreshold: number;
  readonly accountName: (accountId: string) => string | undefined;
  readonly roleName: string;
  /** remediation.enabled: alerts offer Remediate. */
  readonly remediation?: boolean;
  /** Spacing of posts in one channel (Slack allows about one a second). */
  readonly channelSpacingMs?: number;
  /** Attempts before a notification that keeps failing is given up (failed for good, surfaced in status). */
  readonly maxAttempts?: number;
  /** The first retry's wait after a 5xx or a network error; each further one waits twice as long, up to 15 min. */
  readonly retryBaseMs?: number;
  /**
   * How long paused delivery waits before it checks whether it may resume (auth.test for the token,
   * conversations.info for a channel); each further check waits twice as long, up to 10 min.
   */
  readonly pauseCheckMs?: number;
  readonly now?: () => Date;
  /** Waits `ms` on the notifier's clock, or until `signal` aborts; every wait of the notifier goes through it. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A new delivery's ID. */
  readonly newId?: () => string;
}

/** The notifier's settings, each one given. */
export type DeliverySettings = Required<Omit<NotifierSettings, 'now' | 'sleep' | 'newId'>> & {
  now: () => Date;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  newId: () => string;
};

export function withDefaults(settings: NotifierSettings): DeliverySettings {
  return {
    channelSpacingMs: 1000,
    maxAttempts: 8,
    retryBaseMs: 2000,
    pauseCheckMs: 30_000,
    remediation: false,
    now: () => new Date(),
    // Kept referenced: the notifier's waits are its work (stop() cuts each one short).
    sleep: (ms, signal) =>
      sleep(ms, undefined, { signal }).then(
        () => undefined,
        () => undefined,
      ),
    newId: randomUUID,
    ...settings,
  };
}
