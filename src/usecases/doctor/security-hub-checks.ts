import { messageOf } from '../../core/errors.js';
import type { RecordReader } from '../store-port.js';
import { type DoctorCheck, failed, passed } from './check.js';

/** What doctor checks of the push to Security Hub (securityHub.enabled): the record, read only. */
export interface SecurityHubDoctorParts {
  readonly region: string | undefined;
  /** The record, read only (undefined: there is none yet, or it predates the push). */
  readonly record: Pick<RecordReader, 'securityHubState'> | undefined;
}

/** Every finding the record holds was taken by Security Hub the last time it was pushed. */
export function securityHubChecks(parts: SecurityHubDoctorParts): DoctorCheck[] {
  const id = 'securityhub.push';
  const title = 'Security Hub';
  const where = parts.region === undefined ? "the SDK's region" : parts.region;
  if (parts.record === undefined) return [passed(id, title, `nothing pushed yet to Security Hub in ${where}`)];
  let state: ReturnType<RecordReader['securityHubState']>;
  try {
    state = parts.record.securityHubState(3);
  } catch (error) {
    return [passed(id, title, `nothing pushed yet to Security Hub in ${where} (${messageOf(error)})`)];
  }
  const held = `${state.pushed} finding(s) pushed to Security Hub in ${where}${state.lastPushAt === null ? '' : `, the latest at ${state.lastPushAt}`}`;
  if (state.failed === 0) return [passed(id, title, `${held}; none failed`)];
  const failures = state.latestFailures
    .map((f) => `${f.failedAt} ${f.code}: ${f.message} (finding ${f.fingerprint})`)
    .join('; ');
  return [
    failed(
      id,
      title,
      `${held}, but ${state.failed} failed for good at their last push: ${failures}`,
      `check that Security Hub is enabled in ${where} for the scanner's own account and that its credentials may securityhub:BatchImportFindings (kms-sentinel iam-policy --scanner; deploy/scanner-permissions.yml with SecurityHub=true); the failed findings are pushed again after the next scan or re-check`,
    ),
  ];
}
