import { messageOf } from '../core/errors.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { ScanAborted, type ScanParts, scanAndRecord } from '../usecases/scan-and-record.js';
import { outsidePlan, type ScanPlan, type ScanScope } from '../usecases/scan-plan.js';
import type { ScanError, ScanProgress } from '../usecases/scan-types.js';

/** What a finished scan says to the one who started it. */
export interface ScanReportSummary {
  readonly id: string;
  readonly complete: boolean;
  readonly accounts: number;
  readonly regions: number;
  readonly keys: number;
  readonly customerManagedKeys: number;
  /** AWS requests sent, retries included, and how many of them AWS throttled. */
  readonly apiCalls: number;
  readonly throttled: number;
  readonly newFindings: number;
  readonly stillOpen: number;
  readonly resolved: number;
  /** The first errors (at most 20). */
  readonly errors: readonly ScanError[];
  readonly seconds: number;
}

export interface RunningScan {
  readonly startedBy: string;
  readonly startedAt: string;
  /** How far it is, in words. */
  readonly progress: string;
}

export type ScanStart =
  | { readonly started: true; readonly done: Promise<ScanReportSummary | undefined> }
  | { readonly started: false; readonly running: RunningScan };

/**
 * One scan at a time for the whole bot, whoever asks (the schedule, `/kms scan`, the Home tab's button, start-up): a
 * second request is told who started the running one, when, and how far it is. Shutdown aborts the scan under way,
 * which then records nothing.
 */
export class ScanCoordinator {
  private readonly parts: ScanParts;
  private readonly record: RecordPort;
  private readonly plan: ScanPlan;
  private readonly log: Log;
  private readonly finished: ((summary: ScanReportSummary) => void)[] = [];
  private current: { info: RunningScan; abort: AbortController; done: Promise<unknown> } | undefined;
  private progress: ScanProgress | undefined;
  private stopped = false;

  constructor(deps: {
    parts: ScanParts;
    record: RecordPort;
    plan: ScanPlan;
    log: Log;
  }) {
    this.parts = deps.parts;
    this.record = deps.record;
    this.plan = deps.plan;
    this.log = deps.log;
  }

  /** `listener` hears of every scan that lands, with its summary. */
  whenFinished(listener: (summary: ScanReportSummary) => void): void {
    this.finished.push(listener);
  }

  running(): RunningScan | undefined {
    if (this.current === undefined) return undefined;
    const p = this.progress;
    const progress =
      p === undefined
        ? 'just started'
        : `${p.regionsDone} of ${p.regionsTotal} account-regions done, ${p.keys} keys found`;
    return { ...this.current.info, progress };
  }

  /** Why this scope reaches beyond what the config scans (undefined: it does not). */
  outsidePlan(scope: ScanScope): string | undefined {
    return outsidePlan(this.plan, scope);
  }

  /** Starts a scan unless one is running; `done` resolves with its summary (undefined when it was aborted). */
  start(startedBy: string, scope: ScanScope = {}): ScanStart {
    const running = this.running();
    if (running !== undefined) return { started: false, running };
    if (this.stopped)
      return { started: false, running: { startedBy: 'shutdown', startedAt: '', progress: 'stopping' } };
    const abort = new AbortController();
    const startedAt = this.parts.now();
    this.progress = undefined;
    const done = scanAndRecord(this.parts, this.record, this.plan, {
      startedBy,
      scope,
      signal: abort.signal,
      onProgress: (p) => {
        this.progress = p;
      },
    }).then(
      (report) => {
        const summary: ScanReportSummary = {
          ...report.scan,
          ...(report.record ?? { newFindings: 0, stillOpen: 0, resolved: 0 }),
          errors: [...take(report.errors(), 20)],
          seconds: Math.round((this.parts.now().getTime() - startedAt.getTime()) / 100) / 10,
        };
        this.log.info(
          {
            event: 'scan',
            scanId: summary.id,
            startedBy,
            accounts: summary.accounts,
            regions: summary.regions,
            keys: summary.keys,
            requests: summary.apiCalls,
            throttled: summary.throttled,
            complete: summary.complete,
            new: summary.newFindings,
            open: summary.stillOpen,
            resolved: summary.resolved,
            errors: summary.errors.length,
            seconds: summary.seconds,
          },
          'scan recorded',
        );
        for (const listener of this.finished) listener(summary);
        return summary;
      },
      (error: unknown) => {
        if (error instanceof ScanAborted) {
          this.log.info({ event: 'scan', startedBy, outcome: 'aborted' }, 'scan abandoned: nothing recorded');
          return undefined;
        }
        this.log.error({ event: 'scan', startedBy, error: messageOf(error) }, 'scan failed');
        throw error;
      },
    );
    const settled = done.finally(() => {
      this.current = undefined;
    });
    settled.catch(() => undefined);
    this.current = { info: { startedBy, startedAt: startedAt.toISOString(), progress: '' }, abort, done: settled };
    return { started: true, done: settled };
  }

  /** No new scans; the one under way is abandoned (it records nothing) and waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    const current = this.current;
    if (current === undefined) return;
    current.abort.abort();
    await current.done.catch(() => undefined);
  }
}

function* take<T>(items: Iterable<T>, n: number): Iterable<T> {
  let i = 0;
  for (const item of items) {
    if (i++ >= n) return;
    yield item;
  }
}
