import { messageOf } from '../core/errors.js';
import type { Log } from '../usecases/log-port.js';
import { realSleep } from '../usecases/remediation/key-lease.js';
import type { RemediationParts } from '../usecases/remediation/remediate.js';
import { settleInterrupted, type Unsettled } from '../usecases/remediation/settle.js';

/** The pause before settling interrupted remediations is tried again after a failure: doubling up to the maximum. */
export const SETTLE_RETRY_FIRST_MS = 10_000;
export const SETTLE_RETRY_MAX_MS = 600_000;

/** Interrupted remediations the bot could not settle yet (AWS or the record failing), and when it tries again. */
export interface UnsettledRemediations {
  readonly remediations: readonly Unsettled[];
  readonly nextAttempt: string;
}

/** Settles, from what AWS shows, the remediations and undos a stopped process left half-done, while the bot runs. */
export class RemediationSettler {
  private readonly log: Log;
  private last: UnsettledRemediations | undefined;

  constructor(log: Log) {
    this.log = log;
  }

  /** Interrupted remediations the bot could not settle on its last attempt, and when it tries again; none: undefined. */
  unsettled(): UnsettledRemediations | undefined {
    return this.last;
  }

  /**
   * Remediations and undos a crash left half-done are settled from what AWS now shows, and their threads told, until
   * nothing is left or the bot stops. A key another process holds (a remediation under way, or the claim of one that
   * stopped, in another container say) is tried again when its claim goes stale unless renewed. One that cannot be
   * settled now (AWS or the record failing) is logged once per attempt, with the error, and tried again after a pause
   * that doubles from SETTLE_RETRY_FIRST_MS up to SETTLE_RETRY_MAX_MS; /kms status shows it meanwhile.
   */
  async run(remediation: RemediationParts, wake: () => void, stop: AbortSignal): Promise<void> {
    const { log } = this;
    const sleep = remediation.sleep ?? realSleep;
    let failures = 0;
    while (!stop.aborted) {
      let retryAt: Date | undefined;
      let failed: { unsettled: readonly Unsettled[]; error?: string } | undefined;
      try {
        const found = await settleInterrupted(remediation, 'kms-sentinel');
        if (found.settled > 0) {
          log.warn({ event: 'remediation', settled: found.settled }, 'settled remediations a stop interrupted');
          wake();
        }
        for (const d of found.drifted) {
          log.warn(
            { event: 'remediation', remediation: d.id, key: d.keyArn },
            'an interrupted undo left the key policy neither the backup nor the remediated one: scan the key',
          );
        }
        retryAt = found.retryAt;
        // A key taken over meanwhile is its new holder's to settle: the next round finds it held, or settled.
        if (found.unsettled.length > 0 || found.lost.length > 0) failed = { unsettled: found.unsettled };
      } catch (error) {
        failed = { unsettled: [], error: messageOf(error) };
      }
      const now = remediation.now().getTime();
      let wait = retryAt === undefined ? undefined : Math.max(retryAt.getTime() - now, 0) + 1000;
      if (failed === undefined) {
        failures = 0;
        this.last = undefined;
      } else {
        const pause = Math.min(SETTLE_RETRY_FIRST_MS * 2 ** failures, SETTLE_RETRY_MAX_MS);
        failures++;
        wait = Math.min(wait ?? pause, pause);
        const next = new Date(now + wait).toISOString();
        this.last = { remediations: failed.unsettled, nextAttempt: next };
        for (const u of failed.unsettled) {
          log.warn(
            {
              event: 'remediation',
              remediations: u.remediations,
              key: u.keyArn,
              error: u.error,
              attempt: failures,
              retryAt: next,
            },
            'an interrupted remediation cannot be settled from AWS now: nothing was changed; trying again after a pause',
          );
        }
        if (failed.error !== undefined) {
          log.warn(
            { event: 'remediation', error: failed.error, attempt: failures, retryAt: next },
            'cannot settle interrupted remediations now: trying again after a pause',
          );
        }
      }
      if (wait === undefined || stop.aborted) return;
      if (retryAt !== undefined) {
        log.info(
          { event: 'remediation', retryAt: retryAt.toISOString() },
          'an interrupted remediation waits on a claim another process holds: settling it once that claim is free or stale',
        );
      }
      await sleep(wait, stop);
    }
  }
}
