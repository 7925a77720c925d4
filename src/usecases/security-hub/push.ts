import { messageOf } from '../../core/errors.js';
import { type AsffFinding, asffFinding, type SecurityHubTarget } from '../../core/exports/asff.js';
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
 * as they are, resolved ones archived, one that needs a decision again as a new Security Hub finding (the one before
 * archived). Each finding Security Hub takes is recorded at once (a restart never sends it again); those it refuses
 * are tried again with backoff, then recorded as failed, and stay pending for the next push. A call that fails whole
 * after its tries ends the push: the rest waits for the next.
 */
export async function pushToSecurityHub(parts: PushParts, signal: AbortSignal): Promise<PushReport> {
  const settings = parts.settings ?? DEFAULT_PUSH_SETTINGS;
  const started = parts.now().toISOString();
  const totals = { pushed: 0, archived: 0, failed: 0 };
  let target: SecurityHubTarget | undefined;
  for (let after = ''; !signal.aborted; ) {
    const page = fitting(parts.record.securityHubPending(parts.now(), IMPORT_BATCH, after));
    const last = page[page.length - 1];
    if (last === undefined) break;
    try {
      target ??= await parts.hub.target();
    } catch (error) {
      return { at: started, ...totals, error: `cannot tell which Security Hub to push to: ${messageOf(error)}` };
    }
    after = last.finding.fingerprint;
    const batch = await pushBatch(parts, settings, target, page, signal);
    totals.pushed += batch.sent;
    totals.archived += batch.archived;
    totals.failed += batch.failed.length;
    if (batch.accepted.length > 0 || batch.failed.length > 0) {
      await parts.record.recordSecurityHubPush({
        at: parts.now().toISOString(),
        accepted: batch.accepted,
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

/** The first pending findings whose Security Hub findings fit in one call (each earlier generation is one more). */
function fitting(page: readonly HubPending[]): HubPending[] {
  const taken: HubPending[] = [];
  let count = 0;
  for (const p of page) {
    count += 1 + p.retire.length;
    if (count > IMPORT_BATCH && taken.length > 0) break;
    taken.push(p);
  }
  return taken;
}

interface BatchOutcome {
  readonly accepted: HubPushOutcome['accepted'][number][];
  readonly failed: HubPushOutcome['failed'][number][];
  /** Security Hub findings taken, and how many of them archived. */
  readonly sent: number;
  readonly archived: number;
  /** Set when the last try failed whole (no finding of the batch was taken). */
  readonly callError: string | undefined;
}

/** One Security Hub finding to send: a pending finding's version, or an earlier generation of it to archive. */
interface Item {
  readonly pending: HubPending;
  readonly asff: AsffFinding;
}

/** A pending finding's Security Hub findings: its version first, then the earlier generations to archive. */
function itemsOf(p: HubPending, target: SecurityHubTarget, at: Date): Item[] {
  const when = updatedAt(p, at);
  const current = asffFinding(p.finding, target, when, { generation: p.generation });
  const retired = p.retire.map((generation) => ({
    pending: p,
    asff: asffFinding(p.finding, target, when, { generation, supersededBy: current.Id }),
  }));
  return [{ pending: p, asff: current }, ...retired];
}

async function pushBatch(
  parts: PushParts,
  settings: PushSettings,
  target: SecurityHubTarget,
  page: readonly HubPending[],
  signal: AbortSignal,
): Promise<BatchOutcome> {
  const at = parts.now();
  const groups = page.map((p) => itemsOf(p, target, at));
  let waiting = groups.flat();
  const taken = new Set<Item>();
  const refusals = new Map<Item, ImportFailure>();
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
    const retry: Item[] = [];
    for (const w of waiting) {
      const refusal = refused.get(w.asff.Id);
      if (refusal === undefined) taken.add(w);
      else if (attempt >= settings.attempts || FINAL.has(refusal.code) || signal.aborted) {
        if (!signal.aborted) refusals.set(w, refusal);
      } else retry.push(w);
    }
    waiting = retry;
    if (waiting.length > 0) await parts.sleep(settings.backoffMs * 2 ** (attempt - 1), signal);
    if (signal.aborted) break;
  }
  const outcome = settle(groups, taken, refusals);
  return { ...outcome, callError: outcome.failed.length > 0 ? callError : undefined };
}

/**
 * What to record of each pending finding: accepted when Security Hub took its version (with the earlier generations
 * still to archive if it did not take those), failed with the first refusal otherwise.
 */
function settle(
  groups: readonly (readonly Item[])[],
  taken: ReadonlySet<Item>,
  refusals: ReadonlyMap<Item, ImportFailure>,
): Omit<BatchOutcome, 'callError'> {
  const accepted: BatchOutcome['accepted'] = [];
  const failed: BatchOutcome['failed'] = [];
  for (const own of groups) {
    const [current] = own;
    if (current === undefined) continue;
    const p = current.pending;
    const { fingerprint } = p.finding;
    if (taken.has(current)) {
      const retired = own.every((i) => taken.has(i));
      accepted.push({
        fingerprint,
        state: p.state,
        pushedAt: current.asff.UpdatedAt,
        generation: p.generation,
        retireFrom: retired ? null : (p.retire[0] ?? null),
      });
    }
    const refusal = own.map((i) => refusals.get(i)).find((r) => r !== undefined);
    if (refusal !== undefined)
      failed.push({ fingerprint, state: p.state, code: refusal.code, message: refusal.message });
  }
  return {
    accepted,
    failed,
    sent: taken.size,
    archived: [...taken].filter((i) => i.asff.RecordState === 'ARCHIVED').length,
  };
}
/**
 * When this version of the finding was made: now, and always later than the version Security Hub holds (it ignores
 * an import that is not later, and a clock set back must not freeze the finding there).
 */
function updatedAt(pending: HubPending, at: Date): string {
  const previous = pending.pushedAt === null ? Number.NaN : Date.parse(pending.pushedAt);
  return new Date(Number.isNaN(previous) ? at.getTime() : Math.max(at.getTime(), previous + 1)).toISOString();
}
