import { clip } from '../../core/exports/wording.js';
import type { SecurityHubReport } from './sync.js';

/**
 * The push to Security Hub in a few plain lines (the bot's status and doctor print them; each front end adds its own
 * markup), and warnings for what needs someone: findings that failed for good, a push that could not run.
 */
export function securityHubLines(r: SecurityHubReport): { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const where = r.region === undefined ? "the SDK's region" : r.region;
  const held =
    r.record === null
      ? `the record cannot be read (${r.recordError ?? '?'})`
      : `${r.record.pushed} finding${r.record.pushed === 1 ? '' : 's'} pushed${r.record.lastPushAt === null ? '' : `, the latest at ${r.record.lastPushAt}`}`;
  lines.push(`Security Hub (${where}): ${held}.`);
  const last = r.lastPush;
  if (r.pushing) lines.push('A push is under way.');
  if (last !== null) {
    lines.push(
      `Last push ${last.at}: ${last.pushed} sent (${last.archived} archived), ${last.failed} failed${last.error === null ? '' : `, stopped: ${clip(last.error, 300)}`}.`,
    );
    if (last.error !== null) warnings.push(`the last push to Security Hub failed: ${clip(last.error, 300)}`);
  }
  const record = r.record;
  if (record !== null && record.failed > 0) {
    const latest = record.latestFailures[0];
    const detail =
      latest === undefined
        ? ''
        : `; the latest, ${latest.failedAt}: ${latest.code}: ${clip(latest.message, 300)} (finding ${latest.fingerprint}${latest.keyArn === null ? '' : `, key ${latest.keyArn}`})`;
    warnings.push(
      `${record.failed} finding${record.failed === 1 ? '' : 's'} could not be pushed to Security Hub${detail}; each is tried again at the next push`,
    );
  }
  return { lines, warnings };
}
