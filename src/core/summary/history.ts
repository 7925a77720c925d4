import { SEVERITY_ORDER, type Severity } from '../policy/actions.js';
import type { ChangedFinding, FindingChange, FindingGroup, FindingStatus } from './facts.js';

/** A finding's state at some moment: `absent` before it was first seen. */
export interface FindingState {
  readonly status: FindingStatus | 'absent';
  readonly severity: Severity;
  readonly ackUntil: string | null;
}

/** Whether a finding in this state counts as open at `at`: an acknowledgement whose end has passed is open. */
export function openAt(state: Pick<FindingState, 'status' | 'ackUntil'>, at: number): boolean {
  if (state.status === 'open') return true;
  return state.status === 'acknowledged' && state.ackUntil !== null && Date.parse(state.ackUntil) <= at;
}

/**
 * A finding's history over the window: its state before each of its changes (oldest first), and as it now stands.
 * The audit log records what each change replaced, so the states are found by undoing the changes from the newest
 * back. A severity that changed without getting worse is not audited: the finding then counts at its present
 * severity for the weeks before.
 */
export class FindingHistory {
  private readonly changes: readonly FindingChange[];
  /** states[i]: just before changes[i]; the last: now. */
  private readonly states: readonly FindingState[];
  private readonly firstSeen: number;

  constructor(finding: ChangedFinding, changes: readonly FindingChange[]) {
    this.changes = changes;
    this.firstSeen = Date.parse(finding.firstSeen);
    let state: FindingState = { status: finding.status, severity: finding.severity, ackUntil: finding.ackUntil };
    const states: FindingState[] = [state];
    for (let i = changes.length - 1; i >= 0; i--) {
      state = undo(changes[i] as FindingChange, state);
      states.unshift(state);
    }
    this.states = states;
  }

  /** The state at `at`: after every change made by then. */
  at(at: number): FindingState {
    if (at < this.firstSeen) return { ...(this.states[0] as FindingState), status: 'absent' };
    const next = this.changes.findIndex((c) => Date.parse(c.at) > at);
    return this.states[next === -1 ? this.states.length - 1 : next] as FindingState;
  }
}

/** The state before `change`, from the state after it and what the audit row says it replaced. */
function undo(change: FindingChange, after: FindingState): FindingState {
  const before = (typeof change.before === 'object' && change.before !== null ? change.before : {}) as {
    status?: unknown;
    severity?: unknown;
    ackUntil?: unknown;
    until?: unknown;
  };
  const status = isStatus(before.status) ? before.status : after.status;
  switch (change.action) {
    case 'finding-opened':
      return { ...after, status: 'absent' };
    case 'finding-reopened':
      return { ...after, status: 'resolved' };
    case 'finding-escalated':
      // An acknowledgement the escalation ended: its end was not recorded with it, so it counts as lasting.
      return {
        status,
        severity: isSeverity(before.severity) ? before.severity : after.severity,
        ackUntil: status === 'acknowledged' ? null : after.ackUntil,
      };
    case 'finding-resolved':
      return { ...after, status };
    case 'finding-acknowledged':
      return { ...after, status, ackUntil: typeof before.ackUntil === 'string' ? before.ackUntil : null };
    case 'acknowledgement-expired':
      return { ...after, status: 'acknowledged', ackUntil: typeof before.until === 'string' ? before.until : null };
    default:
      return after;
  }
}

function isStatus(value: unknown): value is FindingStatus {
  return value === 'open' || value === 'acknowledged' || value === 'resolved';
}

function isSeverity(value: unknown): value is Severity {
  return (SEVERITY_ORDER as readonly unknown[]).includes(value);
}

export type SeverityCounts = Record<Severity, number>;

export const noCounts = (): SeverityCounts => ({ critical: 0, high: 0, medium: 0, low: 0 });

/**
 * Open findings per severity at each of `moments`: the steady ones by their acknowledgement's end, the changed ones
 * as their history says they stood.
 */
export function openCounts(
  moments: readonly number[],
  steady: readonly FindingGroup[],
  histories: readonly FindingHistory[],
): SeverityCounts[] {
  return moments.map((at) => {
    const counts = noCounts();
    for (const group of steady) if (openAt(group, at)) counts[group.severity] += group.count;
    for (const history of histories) {
      const state = history.at(at);
      if (openAt(state, at)) counts[state.severity]++;
    }
    return counts;
  });
}
