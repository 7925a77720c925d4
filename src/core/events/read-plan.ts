import type { Expectation, KeyEvent, KeyRef } from './key-event.js';

/** A message taken from the queue: its receipt handle, and the event its body holds. */
export interface QueuedEvent {
  readonly handle: string;
  readonly event: KeyEvent;
}

/** One read of one key for every message that named it. */
export interface KeyRead {
  readonly key: KeyRef;
  /** What the read should show once KMS has caught up, from each event (see Expectation). */
  readonly expect: readonly Expectation[];
  /**
   * The messages it settles. A message may name several keys (UpdatePrimaryRegion names two): it is deleted once every
   * read and rescan that lists it is recorded.
   */
  readonly handles: readonly string[];
  /** Every event for this key was a call the bot itself made (its remediation): recorded, never alerted twice. */
  readonly ours: boolean;
}

/** An account-region read whole: a burst too large to read key by key, or events that named no key. */
export interface RegionRescan {
  readonly accountId: string;
  readonly region: string;
  readonly handles: readonly string[];
}

export interface ReadPlan {
  readonly reads: readonly KeyRead[];
  readonly rescans: readonly RegionRescan[];
  /** Messages with nothing to read (ignored, malformed, keys out of scope): deleted at once, each with why. */
  readonly dropped: readonly { readonly handle: string; readonly why: string }[];
}

export interface PlanOptions {
  /** Above this many keys of one account-region in one batch, the account-region is read whole instead. */
  readonly maxKeysPerBurst: number;
  /** Whether the config scans this account-region (a key's owner, not the account that made the call). */
  readonly inScope: (accountId: string, region: string) => boolean;
  /** Whether a call was the bot's own (its audit role's session). */
  readonly isOurs: (callerArn: string | undefined) => boolean;
}

/**
 * Turns a batch of events into reads: one per key however many messages named it (duplicates, the caller's and the
 * owner's copies, bursts), keys of accounts outside the config dropped, and an account-region with more changed keys
 * than `maxKeysPerBurst` read whole.
 */
export function planReads(batch: readonly QueuedEvent[], options: PlanOptions): ReadPlan {
  const byKey = new Map<string, { key: KeyRef; expect: Expectation[]; handles: Set<string>; ours: boolean }>();
  const rescans = new Map<string, { accountId: string; region: string; handles: Set<string> }>();
  const dropped: { handle: string; why: string }[] = [];
  const rescan = (accountId: string, region: string, handles: Iterable<string>) => {
    const where = `${accountId}/${region}`;
    const entry = rescans.get(where) ?? { accountId, region, handles: new Set<string>() };
    for (const h of handles) entry.handles.add(h);
    rescans.set(where, entry);
  };
  for (const { handle, event } of batch) {
    if (event.kind === 'malformed' || event.kind === 'ignored') {
      dropped.push({ handle, why: event.detail });
      continue;
    }
    if (event.kind === 'rescan') {
      if (options.inScope(event.accountId, event.region)) rescan(event.accountId, event.region, [handle]);
      else dropped.push({ handle, why: `${event.accountId} in ${event.region} is not scanned` });
      continue;
    }
    const keys = event.keys.filter((k) => options.inScope(k.accountId, k.region));
    if (keys.length === 0) {
      const where = event.keys.map((k) => `${k.accountId} in ${k.region}`).join(', ');
      dropped.push({ handle, why: `no key of a scanned account and region (${where})` });
      continue;
    }
    const ours = options.isOurs(event.callerArn);
    for (const key of keys) {
      const entry = byKey.get(key.arn) ?? { key, expect: [], handles: new Set<string>(), ours: true };
      entry.handles.add(handle);
      entry.ours &&= ours;
      for (const e of event.expect) if (e.keyArn === key.arn) expectAlso(entry.expect, withoutKey(e));
      byKey.set(key.arn, entry);
    }
  }
  const perRegion = new Map<string, number>();
  for (const { key } of byKey.values()) {
    const where = `${key.accountId}/${key.region}`;
    perRegion.set(where, (perRegion.get(where) ?? 0) + 1);
  }
  const reads: KeyRead[] = [];
  for (const { key, expect, handles, ours } of byKey.values()) {
    const where = `${key.accountId}/${key.region}`;
    if ((perRegion.get(where) ?? 0) > options.maxKeysPerBurst || rescans.has(where)) {
      rescan(key.accountId, key.region, handles);
      continue;
    }
    reads.push({ key, expect, handles: [...handles], ours });
  }
  return {
    reads,
    rescans: [...rescans.values()].map((r) => ({ accountId: r.accountId, region: r.region, handles: [...r.handles] })),
    dropped,
  };
}

/**
 * Adds what one more event says the read should show, keeping the expectations satisfiable together: of several
 * policies put, only the last one delivered stands (a burst's order is not guaranteed, and a read that shows an
 * earlier one is read again until the retry window ends), and a grant retired or revoked is not expected present.
 */
function expectAlso(expect: Expectation[], e: Expectation): void {
  if ('policy' in e) {
    const at = expect.findIndex((x) => 'policy' in x);
    if (at >= 0) expect.splice(at, 1);
  }
  if ('grantAbsent' in e) {
    const at = expect.findIndex((x) => 'grantPresent' in x && x.grantPresent === e.grantAbsent);
    if (at >= 0) expect.splice(at, 1);
  }
  if ('grantPresent' in e && expect.some((x) => 'grantAbsent' in x && x.grantAbsent === e.grantPresent)) return;
  expect.push(e);
}

function withoutKey(e: Expectation & { readonly keyArn: string }): Expectation {
  if ('grantPresent' in e) return { grantPresent: e.grantPresent };
  if ('grantAbsent' in e) return { grantAbsent: e.grantAbsent };
  return { policy: e.policy };
}

/**
 * Whether a read shows what the events said happened: KMS is eventually consistent, so a read taken at once may still
 * miss a new grant or show the policy before the change. One that does not is read again later, for a while.
 */
export function readMeetsExpectations(
  expect: readonly Expectation[],
  read: { readonly policy: string | null; readonly grantIds: ReadonlySet<string> },
): boolean {
  return expect.every((e) => {
    if ('grantPresent' in e) return read.grantIds.has(e.grantPresent);
    if ('grantAbsent' in e) return !read.grantIds.has(e.grantAbsent);
    return read.policy !== null && samePolicy(read.policy, e.policy);
  });
}

/** KMS hands a policy back as it was put, but whitespace and key order are not promised: compare the documents. */
function samePolicy(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
