import { messageOf } from '../../core/errors.js';
import { asffFinding, type SecurityHubTarget } from '../../core/exports/asff.js';
import type { AwsCallError } from '../aws-port.js';
import type { Log } from '../log-port.js';
import type { HubPending, HubPushOutcome, RecordReader } from '../store-port.js';
import { IMPORT_BATCH, type ImportFailure, type SecurityHubPort } from './port.js';

export interface PushSettings {
  /** Tries per finding, the first included: FailedFindings and failed calls are tried again after a backoff. */
  readonly attempts: number;
  /** The first backoff; each next one doubles. */
  readonly backoffMs: number;
}

export const DEFAULT_PUSH_SETTINGS: PushSettings = { attempts: 4, backoffMs: 1000 };

export interface PushParts {
  readonly record: Pick<RecordReader, 'securityHubPending'> & {
    recordSecurityHubPush(outcome: HubPushOutcome): Promise<void>;
  };
  readonly hub: SecurityHubPort;
  readonly now: () => Date;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: Log;
  readonly settings?: PushSettings;
}

/** What one push did. `error`: why it stopped early (Security Hub could not be called at all). */
export interface PushReport {
  readonly at: string;
  readonly pushed: number;
  readonly archived: number;
  readonly failed: number;
  readonly error: string | null;
}

/** Error codes that another try cannot change: the finding, or the account's hub, is refused as it is. */
const FINAL = new Set(['InvalidInput', 'InvalidInputException', 'InvalidAccess', 'InvalidAccessException']);

/**
 * Sends Security Hub every finding it does not hold as it now is, at most IMPORT_BATCH per call: new and changed ones
 * as they are, resolved ones archived. Each finding Security Hub takes is recorded at once (a restart never sends it
 * again); those it refuses are tried again with backoff, then recorded as failed, and stay pending for the next push.
 * A call that fails whole after its tries ends the push: the rest waits for the next.
 */
export async function pushToSecurityHub(parts: PushParts, signal: AbortSignal): Promise<PushReport> {
  const settings = parts.settings ?? DEFAULT_PUSH_SETTINGS;
  const started = parts.now().toISOString();
  const totals = { pushed: 0, archived: 0, failed: 0 };
  let target: SecurityHubTarget | undefined;
  for (let after = ''; !signal.aborted; ) {
    const page = parts.record.securityHubPending(parts.now(), IMPORT_BATCH, after);
    const last = page[page.length - 1];
    if (last === undefined) break;
    try {
      target ??= await parts.hub.target();
    } catch (error) {
      return { at: started, ...totals, error: `cannot tell which Security Hub to push to: ${messageOf(error)}` };
    }
    after = last.finding.fingerprint;
    const batch = await pushBatch(parts, settings, target, page, signal);
    totals.pushed += batch.accepted.length;
    totals.archived += batch.accepted.filter((a) => a.archived).length;
    totals.failed += batch.failed.length;
    if (batch.accepted.length > 0 || batch.failed.length > 0) {
      await parts.record.recordSecurityHubPush({
        at: parts.now().toISOString(),
        accepted: batch.accepted.map(({ fingerprint, state, pushedAt }) => ({ fingerprint, state, pushedAt })),
        failed: batch.failed,
      });
    }
    if (batch.failed.length > 0) {
      parts.log.error(
        { event: 'security-hub', failed: batch.failed.length, first: batch.failed[0] },
        'findings could not be pushed to Security Hub; they are tried again at the next push',
      );
    }
    if (batch.callError !== undefined) return { at: started, ...totals, error: batch.callError };
  }
  return { at: started, ...totals, error: null };
}

interface BatchOutcome {
  readonly accepted: { fingerprint: string; state: string; pushedAt: string; archived: boolean }[];
  readonly failed: HubPushOutcome['failed'][number][];
  /** Set when the last try failed whole (no finding of the batch was taken). */
  readonly callError: string | undefined;
}

async function pushBatch(
  parts: PushParts,
  settings: PushSettings,
  target: SecurityHubTarget,
  page: readonly HubPending[],
  signal: AbortSignal,
): Promise<BatchOutcome> {
  const at = parts.now();
  let waiting = page.map((p) => ({ pending: p, asff: asffFinding(p.finding, target, updatedAt(p, at)) }));
  const accepted: BatchOutcome['accepted'] = [];
  const failed: BatchOutcome['failed'] = [];
  let callError: string | undefined;
  for (let attempt = 1; waiting.length > 0; attempt++) {
    let refused: ReadonlyMap<string, ImportFailure>;
    try {
      const failures = await parts.hub.importFindings(
        waiting.map((w) => w.asff),
        signal,
      );
      refused = new Map(failures.map((f) => [f.id, f]));
      callError = undefined;
    } catch (error) {
      const e = error as Partial<AwsCallError>;
      const failure = { code: e.awsCode ?? 'Error', message: messageOf(error) };
      refused = new Map(waiting.map((w) => [w.asff.Id, { id: w.asff.Id, ...failure }]));
      callError = `BatchImportFindings failed: ${failure.message}`;
    }
    const retry: typeof waiting = [];
    for (const w of waiting) {
      const refusal = refused.get(w.asff.Id);
      if (refusal === undefined) {
        accepted.push({
          fingerprint: w.pending.finding.fingerprint,
          state: w.pending.state,
          pushedAt: w.asff.UpdatedAt,
          archived: w.asff.RecordState === 'ARCHIVED',
        });
      } else if (attempt >= settings.attempts || FINAL.has(refusal.code) || signal.aborted) {
        const { fingerprint } = w.pending.finding;
        if (!signal.aborted)
          failed.push({ fingerprint, state: w.pending.state, code: refusal.code, message: refusal.message });
      } else retry.push(w);
    }
    waiting = retry;
    if (waiting.length > 0) await parts.sleep(settings.backoffMs * 2 ** (attempt - 1), signal);
    if (signal.aborted) break;
  }
  return { accepted, failed, callError: failed.length > 0 ? callError : undefined };
}

/**
 * When this version of the finding was made: now, and always later than the version Security Hub holds (it ignores
 * an import that is not later, and a clock set back must not freeze the finding there).
 */
function updatedAt(pending: HubPending, at: Date): string {
  const previous = pending.pushedAt === null ? Number.NaN : Date.parse(pending.pushedAt);
  return new Date(Number.isNaN(previous) ? at.getTime() : Math.max(at.getTime(), previous + 1)).toISOString();
}
