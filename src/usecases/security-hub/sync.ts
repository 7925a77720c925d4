import { messageOf } from '../../core/errors.js';
import type { HubRecordState } from '../store-port.js';
import type { SecurityHubPort } from './port.js';
import { type PushParts, type PushReport, pushToSecurityHub } from './push.js';

/** The push to Security Hub as this process sees it, for /kms status and doctor. */
export interface SecurityHubReport {
  readonly region: string | undefined;
  /** The last push this process made (null: none yet). */
  readonly lastPush: PushReport | null;
  /** A push is under way. */
  readonly pushing: boolean;
  readonly record: HubRecordState | null;
  /** Why the record could not be read (null: it was). */
  readonly recordError: string | null;
}

export interface SyncParts extends Omit<PushParts, 'hub'> {
  readonly record: PushParts['record'] & { securityHubState(limit: number): HubRecordState };
  /** Connects to Security Hub the first time a push needs it (the SDK loads only then). */
  readonly connect: () => Promise<SecurityHubPort>;
  readonly region: string | undefined;
}

/**
 * Keeps Security Hub in step with the record, beside the scans and the alerts and never in their way: `wake()` after
 * anything that may have changed findings (a scan, a re-check) starts a push, or one more after the push under way,
 * and returns at once. Pushes run one at a time; a failure is logged and reported, never thrown.
 */
export class SecurityHubSync {
  private readonly parts: SyncParts;
  private hub: Promise<SecurityHubPort> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private last: PushReport | null = null;
  private readonly stopping = new AbortController();

  constructor(parts: SyncParts) {
    this.parts = parts;
  }

  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no push is under way or asked for (tests and `kms-sentinel scan` wait for it). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  report(): SecurityHubReport {
    let record: HubRecordState | null = null;
    let recordError: string | null = null;
    try {
      record = this.parts.record.securityHubState(5);
    } catch (error) {
      recordError = messageOf(error);
    }
    return { region: this.parts.region, lastPush: this.last, pushing: this.running !== undefined, record, recordError };
  }

  /** Abandons the push under way (what Security Hub took is recorded already) and closes the client. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    const hub = await this.hub?.catch(() => undefined);
    hub?.close();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      this.last = await this.pushOnce();
      this.logReport(this.last);
    } while (this.again && !this.stopping.signal.aborted);
  }

  private async pushOnce(): Promise<PushReport> {
    const failure = (error: unknown) => ({
      at: this.parts.now().toISOString(),
      pushed: 0,
      archived: 0,
      failed: 0,
      error: messageOf(error),
    });
    let hub: SecurityHubPort;
    try {
      this.hub ??= this.parts.connect();
      hub = await this.hub;
    } catch (error) {
      this.hub = undefined;
      return failure(error);
    }
    try {
      return await pushToSecurityHub({ ...this.parts, hub }, this.stopping.signal);
    } catch (error) {
      // The record could not be read or written (it is closing, say): the findings wait for the next push.
      return failure(error);
    }
  }

  private logReport(r: PushReport): void {
    const fields = { event: 'security-hub', pushed: r.pushed, archived: r.archived, failed: r.failed };
    if (r.error !== null) {
      this.parts.log.error(
        { ...fields, error: r.error },
        'the push to Security Hub failed; it is tried again after the next scan',
      );
    } else if (r.pushed > 0 || r.failed > 0) this.parts.log.info(fields, 'findings pushed to Security Hub');
  }
}
