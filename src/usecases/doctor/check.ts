/**
 * One line of `doctor`: what was checked, how it went, and what to do when it failed. `skip`: not checked, because a
 * check it depends on failed (that check says why); it never fails a run on its own.
 */
export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface DoctorCheck {
  /** Stable, for scripts: `aws.credentials`, `aws.role:222222222222`, `slack.channel:C0ALERTS`, `database.wal`... */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about a failure; absent unless the check failed. */
  readonly fix?: string;
}

export const passed = (id: string, title: string, detail: string): DoctorCheck => ({
  id,
  title,
  status: 'ok',
  detail,
});

export const failed = (id: string, title: string, detail: string, fix: string): DoctorCheck => ({
  id,
  title,
  status: 'fail',
  detail,
  fix,
});

export const skipped = (id: string, title: string, detail: string): DoctorCheck => ({
  id,
  title,
  status: 'skip',
  detail,
});

/** True when no check failed. */
export function allPassed(checks: readonly DoctorCheck[]): boolean {
  return checks.every((c) => c.status !== 'fail');
}
