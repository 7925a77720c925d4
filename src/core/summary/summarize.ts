import {
  ACCOUNTS_SHOWN,
  type FindingChange,
  type FindingGroup,
  LISTED,
  type SummaryFacts,
  type SummaryItemSource,
  summaryWindow,
  TREND_WEEKS,
  UNREADABLE_KINDS,
  WEEK_MS,
} from './facts.js';
import { FindingHistory, noCounts, openAt, openCounts, type SeverityCounts } from './history.js';

/** A finding the summary names: where it is, who it lets in, and the dates that matter. */
export type SummaryItem = Omit<SummaryItemSource, 'aliases'> & { readonly alias: string | null };

/** What the record says about the week: the numbers, and the few findings worth naming. */
export interface RecordSummary {
  /** When it was computed. */
  readonly at: string;
  /** Open now (an acknowledgement whose end has passed is open). */
  readonly open: { readonly total: number; readonly bySeverity: SeverityCounts };
  /** Acknowledged now, and not yet ended. */
  readonly acknowledged: number;
  /** Open findings per account, the most first (at most ACCOUNTS_SHOWN), and the rest counted. */
  readonly byAccount: readonly { readonly accountId: string; readonly open: number }[];
  readonly otherAccounts: { readonly accounts: number; readonly open: number };
  /** In the last 7 days: findings seen for the first time, opened again, resolved (each finding once). */
  readonly week: { readonly opened: number; readonly reopened: number; readonly resolved: number };
  readonly oldestOpen: SummaryItem | null;
  /** Acknowledgements that end in the next 7 days (the soonest named). */
  readonly expiring: { readonly total: number; readonly listed: readonly SummaryItem[] };
  /** Keys that could not be read or judged, as open items (the longest-standing named). */
  readonly unreadable: { readonly total: number; readonly listed: readonly SummaryItem[] };
  /** Open findings per severity at the end of each of the last 8 weeks, the oldest first; the last is now. */
  readonly trend: readonly { readonly at: string; readonly bySeverity: SeverityCounts }[];
}

/** The summary of what the record returned for `now` (see summaryWindow): every number is counted here. */
export function summarize(facts: SummaryFacts, now: Date): RecordSummary {
  const t = now.getTime();
  const { weekAgo, weekAhead } = summaryWindow(now);
  const byFinding = new Map<string, FindingChange[]>();
  for (const change of facts.changes) {
    const list = byFinding.get(change.fingerprint) ?? [];
    list.push(change);
    byFinding.set(change.fingerprint, list);
  }
  const histories = facts.changed.map((f) => new FindingHistory(f, byFinding.get(f.fingerprint) ?? []));
  // Every finding not resolved now, as a group of one or more, in its present state.
  const present: FindingGroup[] = [
    ...facts.steady,
    ...facts.changed.map((f) => ({ ...f, count: 1 })).filter((g) => g.status !== 'resolved'),
  ];
  const open = present.filter((g) => openAt(g, t));
  const bySeverity = noCounts();
  for (const g of open) bySeverity[g.severity] += g.count;
  const perAccount = new Map<string, number>();
  for (const g of open) perAccount.set(g.accountId, (perAccount.get(g.accountId) ?? 0) + g.count);
  const accounts = [...perAccount]
    .map(([accountId, count]) => ({ accountId, open: count }))
    .sort((a, b) => b.open - a.open || a.accountId.localeCompare(b.accountId));
  const rest = accounts.slice(ACCOUNTS_SHOWN);
  const moments = Array.from({ length: TREND_WEEKS }, (_, i) => t - (TREND_WEEKS - 1 - i) * WEEK_MS);
  const ending = (g: FindingGroup) =>
    g.status === 'acknowledged' && g.ackUntil !== null && inRange(Date.parse(g.ackUntil), t, weekAhead.getTime());
  return {
    at: now.toISOString(),
    open: { total: sum(open), bySeverity },
    acknowledged: sum(present.filter((g) => g.status === 'acknowledged' && !openAt(g, t))),
    byAccount: accounts.slice(0, ACCOUNTS_SHOWN),
    otherAccounts: { accounts: rest.length, open: rest.reduce((n, a) => n + a.open, 0) },
    week: {
      opened: changedIn(facts.changes, 'finding-opened', weekAgo.getTime(), t),
      reopened: changedIn(facts.changes, 'finding-reopened', weekAgo.getTime(), t),
      resolved: changedIn(facts.changes, 'finding-resolved', weekAgo.getTime(), t),
    },
    oldestOpen: facts.oldestOpen === undefined ? null : item(facts.oldestOpen),
    expiring: { total: sum(present.filter(ending)), listed: facts.expiring.slice(0, LISTED).map(item) },
    unreadable: {
      total: sum(present.filter((g) => UNREADABLE_KINDS.includes(g.kind))),
      listed: facts.unreadable.slice(0, LISTED).map(item),
    },
    trend: openCounts(moments, facts.steady, histories).map((counts, i) => ({
      at: new Date(moments[i] as number).toISOString(),
      bySeverity: counts,
    })),
  };
}

/** How many findings had an audit row of `action` after `from`, up to `to`, each once. */
function changedIn(changes: readonly FindingChange[], action: string, from: number, to: number): number {
  const found = new Set<string>();
  for (const c of changes) if (c.action === action && inRange(Date.parse(c.at), from, to)) found.add(c.fingerprint);
  return found.size;
}

const inRange = (at: number, after: number, upTo: number) => at > after && at <= upTo;
const sum = (groups: readonly FindingGroup[]) => groups.reduce((n, g) => n + g.count, 0);

function item(f: SummaryItemSource): SummaryItem {
  return {
    fingerprint: f.fingerprint,
    accountId: f.accountId,
    region: f.region,
    keyId: f.keyId,
    keyArn: f.keyArn,
    alias: f.aliases[0] ?? null,
    kind: f.kind,
    principal: f.principal,
    severity: f.severity,
    firstSeen: f.firstSeen,
    ackUntil: f.ackUntil,
    ackBy: f.ackBy,
  };
}
