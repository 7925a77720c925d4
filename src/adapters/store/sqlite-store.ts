import { SentinelError } from '../../core/errors.js';
import { fingerprintOf } from '../../core/findings/fingerprint.js';
import { findingRef, type Notification } from '../../core/notifications.js';
import { keyProblem } from '../../core/scan/evaluate-key.js';
import type { KeyFinding, KeySnapshot } from '../../core/scan/types.js';
import type { TrustEntry } from '../../core/trust.js';
import type { Coverage, ScanError, ScanSummary } from '../../usecases/scan-types.js';
import type {
  AlertLocation,
  ClaimResult,
  EventSeen,
  HeldKey,
  HubPushOutcome,
  KeyClaim,
  RemediationStart,
  RemediationStatus,
  ScanRecording,
  Store,
  StoredFinding,
  TrustAddition,
} from '../../usecases/store-port.js';
import { DeliveryWrites } from './delivery-writes.js';
import { SqliteScanRecording } from './scan-recording.js';

type Evaluated = ReturnType<Store['applyEvaluation']>;

/**
 * The SQLite store: with the other modules of this folder, the production code that uses better-sqlite3. It holds
 * one connection; in a long-running process the write connection lives in the record's worker (see worker-record.ts).
 */
export class SqliteStore extends DeliveryWrites implements Store {
  addTrust(entry: TrustEntry, note: string | null, actor: string, now: Date): TrustAddition {
    return this.transaction(() => this.trust.add(entry, note, actor, now));
  }

  removeTrust(entry: TrustEntry, actor: string, now: Date): boolean {
    return this.transaction(() => this.trust.remove(entry, actor, now));
  }

  importConfigTrust(entries: readonly TrustEntry[], now: Date): TrustEntry[] {
    return this.transaction(() => this.trust.importFromConfig(entries, now));
  }

  syncOrganizationTrust(entries: readonly TrustEntry[], now: Date): number {
    return this.transaction(() => this.trust.syncOrganization(entries, now));
  }

  stageKeys(scanId: string, keys: readonly KeySnapshot[], now: Date): void {
    this.transaction(() => this.staging.stage(scanId, keys, now.toISOString()));
  }

  stagedKeys(scanId: string): Iterable<readonly KeySnapshot[]> {
    return this.staging.pages(scanId, (work) => this.guard(work));
  }

  stagedCount(scanId: string): number {
    return this.guard(() => this.staging.count(scanId));
  }

  discardStaged(scanId: string, now: Date): void {
    this.transaction(() => this.staging.discard(scanId, now));
  }

  beginScan(
    scan: ScanSummary,
    errors: readonly ScanError[],
    coverage: readonly Coverage[],
    startedBy: string,
    now: Date,
  ): ScanRecording {
    if (!this.db.inTransaction) throw new Error('beginScan must be called inside a transaction');
    const parts = { statements: this.statements, journal: this.journal, ledger: this.ledger, keys: this.keys };
    return this.guard(() => new SqliteScanRecording(parts, scan, errors, coverage, startedBy, now));
  }

  applyEvaluation(
    key: KeySnapshot,
    findings: readonly KeyFinding[],
    cause: string,
    actor: string,
    now: Date,
  ): Evaluated {
    return this.transaction(() => this.ledger.applyEvaluation(key, findings, cause, actor, now.toISOString()));
  }

  keyUnjudged(key: KeySnapshot, message: string, actor: string, now: Date): void {
    this.transaction(() => {
      const item = keyProblem(key, 'analysis-error', message);
      this.ledger.upsert(fingerprintOf(item), item, null, actor, now.toISOString(), false);
    });
  }

  resolveKeyItem(
    keyArn: string,
    kind: 'unreadable' | 'analysis-error',
    cause: string,
    actor: string,
    now: Date,
  ): number {
    return this.transaction(
      () =>
        this.ledger.resolveWhere(
          "status != 'resolved' AND key_arn = ? AND kind = ?",
          [keyArn, kind],
          cause,
          actor,
          now.toISOString(),
        ).length,
    );
  }

  acknowledge(fingerprint: string, actor: string, reason: string, until: Date | null, now: Date): StoredFinding {
    return this.transaction(() => {
      const at = now.toISOString();
      this.ledger.expireAcknowledgements(at);
      const before = this.ledger.row(fingerprint);
      if (before === undefined) throw new SentinelError('not-found', `no finding has the fingerprint ${fingerprint}`);
      if (before.status === 'resolved') {
        throw new SentinelError(
          'not-found',
          `finding ${fingerprint} is resolved (${before.resolvedCause}); there is nothing to acknowledge`,
        );
      }
      this.sql(
        "UPDATE findings SET status = 'acknowledged', ack_by = ?, ack_reason = ?, ack_until = ? WHERE fingerprint = ?",
      ).run(actor, reason, until?.toISOString() ?? null, fingerprint);
      const after = this.ledger.row(fingerprint) as StoredFinding;
      this.journal.audit(at, actor, 'finding-acknowledged', fingerprint, statusPart(before), statusPart(after));
      this.journal.notify(at, {
        kind: 'finding-acknowledged',
        finding: findingRef(after),
        by: actor,
        reason,
        until: after.ackUntil,
      });
      return after;
    });
  }

  notify(notification: Notification, now: Date): void {
    this.transaction(() => this.journal.notify(now.toISOString(), notification));
  }

  notifyOnce(key: string, notification: Notification, now: Date): boolean {
    return this.transaction(() => {
      if (!this.bot.claimRequest(key, now)) return false;
      this.journal.notify(now.toISOString(), notification);
      return true;
    });
  }

  recordAlert(fingerprints: readonly string[], location: AlertLocation, now: Date): void {
    this.transaction(() => this.bot.recordAlert(fingerprints, location, now.toISOString()));
  }

  claimRequest(key: string, now: Date): boolean {
    return this.transaction(() => this.bot.claimRequest(key, now));
  }

  setBotState(key: string, value: string): void {
    this.transaction(() => this.bot.setState(key, value));
  }

  rememberHomeUser(userId: string, now: Date): void {
    this.transaction(() => this.bot.rememberHomeUser(userId, now.toISOString()));
  }

  refused(actor: string, action: string, subject: string, now: Date): void {
    this.transaction(() => this.bot.refused(actor, action, subject, now.toISOString()));
  }

  replaceKey(key: KeySnapshot, now: Date, readAt?: Date): void {
    const at = now.toISOString();
    const read =
      readAt === undefined
        ? { readAt: at, source: 'remediation' as const }
        : { readAt: readAt.toISOString(), source: 'event' as const };
    this.transaction(() => this.keys.replace(key, at, read));
  }

  newerReading(key: { keyArn: string; accountId: string; region: string }, readAt: Date): string | undefined {
    return this.guard(() => this.keys.newerReading(key, readAt.toISOString()));
  }

  noteEvents(seen: readonly EventSeen[], now: Date): void {
    this.transaction(() => this.events.note(seen, now.toISOString()));
  }

  startRemediation(start: RemediationStart, now: Date, holder?: HeldKey): boolean {
    return this.transaction(() => {
      if (!this.holds(holder, now)) return false;
      this.fixes.start(start, now.toISOString());
      return true;
    });
  }

  finishRemediation(
    id: string,
    status: 'applied' | 'failed' | 'undone',
    from: readonly RemediationStatus[],
    outcome: unknown,
    revoked: readonly string[] | undefined,
    actor: string,
    now: Date,
  ): boolean {
    return this.transaction(() => this.fixes.finish(id, status, from, outcome, revoked, actor, now.toISOString()));
  }

  claimKey(claim: KeyClaim, now: Date): ClaimResult {
    return this.transaction(() => this.claims.claim(claim, now));
  }

  releaseKey(keyArn: string, claimId: string): void {
    this.transaction(() => this.claims.release(keyArn, claimId));
  }

  renewKey(keyArn: string, claimId: string, now: Date): boolean {
    return this.transaction(() => this.claims.renew(keyArn, claimId, now));
  }

  startUndo(id: string, policy: string, actor: string, now: Date, holder?: HeldKey): boolean {
    return this.transaction(() => {
      if (!this.holds(holder, now)) return false;
      this.fixes.startUndo(id, policy, actor, now.toISOString());
      return true;
    });
  }

  recordSecurityHubPush(outcome: HubPushOutcome): void {
    this.transaction(() => this.securityHub.record(outcome));
  }

  cancelUndo(id: string, outcome: unknown, actor: string, now: Date, holder: HeldKey): boolean {
    return this.transaction(
      () => this.holds(holder, now) && this.fixes.cancelUndo(id, outcome, actor, now.toISOString()),
    );
  }
}

function statusPart(f: StoredFinding) {
  return { status: f.status, ackBy: f.ackBy, ackReason: f.ackReason, ackUntil: f.ackUntil };
}
