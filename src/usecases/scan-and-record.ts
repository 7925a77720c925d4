import { compareFindings, judgeKey } from '../core/scan/evaluate-key.js';
import { type KeyFinding, type KeyNotice, type KeySnapshot, keyFindingOf } from '../core/scan/types.js';
import type { TrustEntry } from '../core/trust.js';
import type { RecordPort } from './record-port.js';
import { ScanAborted } from './run-scan.js';
import { analysisError, type ScanError } from './scan-errors.js';
import { narrowPlan, type ScanPlan, type ScanScope } from './scan-plan.js';
import type { ScanRunner } from './scan-runner.js';
import type { ScanOutcome, ScanProgress, ScanReport, ScanSink } from './scan-types.js';

export interface ScanParts {
  readonly scanner: ScanRunner;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface ScanRequest {
  /** Who started it, as the record shows it: `cli:<user>`, `demo`, `schedule`, `slack:<user ID>`. */
  readonly startedBy: string;
  /** One account or region (or a few) instead of the whole plan. */
  readonly scope?: ScanScope;
  /** Entries trusted for this run only: the report shows them trusted, the record never does. */
  readonly runOnlyTrust?: readonly TrustEntry[];
  /** Aborting cancels the scan cleanly: it rejects with ScanAborted, and nothing of it is recorded. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ScanProgress) => void;
}

export { ScanAborted };

/**
 * Scans and records: the one sequence every front end (the CLI, the demo, the bot, the schedule) uses. The record is
 * checked writable before any AWS call; keys are staged in the record as they are read; the scan lands as one unit,
 * judged with the trust list of that moment; an aborted or failed scan records nothing.
 */
export async function scanAndRecord(
  parts: ScanParts,
  record: RecordPort,
  plan: ScanPlan,
  request: ScanRequest,
): Promise<ScanReport> {
  await record.assertWritable();
  const id = parts.newId();
  const sink: ScanSink = {
    begin: () => undefined,
    keys: (batch) => record.stageKeys(id, batch, parts.now()),
  };
  let outcome: ScanOutcome;
  try {
    outcome = await parts.scanner.run(
      narrowPlan(plan, request.scope),
      sink,
      { id, signal: request.signal },
      request.onProgress,
    );
    if (request.signal?.aborted) throw new ScanAborted();
  } catch (error) {
    await record.discardScan(id, parts.now()).catch(() => undefined);
    throw error;
  }
  const committed = await record
    .commitScan({
      outcome,
      startedBy: request.startedBy,
      now: parts.now(),
      runOnlyTrust: (request.runOnlyTrust ?? []).map((entry) => entry.text),
    })
    .catch(async (error: unknown) => {
      // Nothing landed (the commit is one transaction): its staged keys go too, rather than wait to age out.
      await record.discardScan(id, parts.now()).catch(() => undefined);
      throw error;
    });
  const hidden = new Set(committed.hidden);
  return {
    scan: { ...outcome.scan, complete: committed.complete },
    accountNames: outcome.accountNames,
    record: committed.changes,
    findings: function* () {
      for (const finding of record.scanFindings(id)) if (!hidden.has(finding.fingerprint)) yield keyFindingOf(finding);
    },
    errors: () => record.scanErrors(id),
    notices: () => record.scanNotices(id),
  };
}

/**
 * A dry look: scans and judges with the given trust list, recording nothing and writing no file. The findings and
 * notices are held in memory (the keys are not).
 */
export async function scanWithoutRecord(parts: ScanParts, plan: ScanPlan, request: ScanRequest): Promise<ScanReport> {
  const findings: KeyFinding[] = [];
  const notices: KeyNotice[] = [];
  const failures: ScanError[] = [];
  let trusted: readonly TrustEntry[] = [];
  const sink: ScanSink = {
    begin: (entries) => {
      trusted = [...entries, ...(request.runOnlyTrust ?? [])];
    },
    keys: async (batch: readonly KeySnapshot[]) => {
      for (const key of batch) {
        const judgement = judgeKey(key, trusted);
        if (!judgement.ok) {
          failures.push(analysisError(key, judgement.message));
          continue;
        }
        findings.push(...judgement.findings);
        notices.push(...judgement.notices);
      }
    },
  };
  const outcome = await parts.scanner.run(
    narrowPlan(plan, request.scope),
    sink,
    { id: parts.newId(), signal: request.signal },
    request.onProgress,
  );
  if (request.signal?.aborted) throw new ScanAborted();
  findings.sort(compareFindings);
  return {
    scan: { ...outcome.scan, complete: outcome.scan.complete && failures.length === 0 },
    accountNames: outcome.accountNames,
    record: undefined,
    findings: () => findings,
    errors: () => [...outcome.errors, ...failures],
    notices: () => notices,
  };
}
