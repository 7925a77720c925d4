import { fingerprintOf } from '../findings/fingerprint.js';
import { compareSeverity } from '../policy/actions.js';
import { evaluateKey } from '../scan/evaluate-key.js';
import type { KeyFinding, KeySnapshot } from '../scan/types.js';
import { type TrustEntry, trustZone } from '../trust.js';

/**
 * One way into a key from outside its own account: what the engine finds against an empty trust list. `trusted`
 * says whether the current trust list covers it (judged with that list, it raises no finding); the fingerprint is
 * the one its finding has, or would have.
 */
export interface Exposure extends KeyFinding {
  readonly fingerprint: string;
  readonly trusted: boolean;
}

/** Why not everything a key lets in can be told from the record. */
export type Blind = 'policy-unread' | 'grants-unread' | 'policy-unparseable' | 'not-judged' | 'shut-out' | 'never-read';

export const BLIND_REASONS: Readonly<Record<Blind, string>> = {
  'policy-unread': 'its key policy has never been read',
  'grants-unread': 'its grants have never been listed',
  'policy-unparseable': 'its key policy cannot be parsed',
  'not-judged': 'the engine failed on it',
  'shut-out': 'its key policy now shuts the scanner out: what it allowed when last read is what is shown',
  'never-read': 'the scanner could never read it: its key policy shuts the scanner out',
};

export interface KeyExposures {
  /** Worst first. */
  readonly exposures: readonly Exposure[];
  /** Empty when the key was read and judged in full. */
  readonly blind: readonly Blind[];
}

/** Every way outside its account into one key as last read, each marked trusted or not by `trusted`. Pure. */
export function exposuresOf(key: KeySnapshot, trusted: readonly TrustEntry[]): KeyExposures {
  const blind = new Set<Blind>();
  if (key.policy === null) blind.add('policy-unread');
  if (key.grants === null) blind.add('grants-unread');
  let everyone: readonly KeyFinding[];
  let outside: readonly KeyFinding[];
  try {
    everyone = evaluateKey(key, trustZone(key.accountId, [])).findings;
    outside = trusted.length === 0 ? everyone : evaluateKey(key, trustZone(key.accountId, trusted)).findings;
  } catch {
    // As a scan does (judgeKey), a key the engine fails on is never taken for a closed one.
    return { exposures: [], blind: [...blind, 'not-judged'] };
  }
  const untrusted = new Map(outside.map((f) => [fingerprintOf(f), f]));
  const found = new Map<string, Exposure>();
  const add = (f: KeyFinding, isTrusted: boolean) => {
    if (f.kind === 'unparseable-policy') {
      blind.add('policy-unparseable');
      return;
    }
    const fingerprint = fingerprintOf(f);
    if (!found.has(fingerprint)) found.set(fingerprint, { ...f, fingerprint, trusted: isTrusted });
  };
  for (const f of everyone) add(f, !untrusted.has(fingerprintOf(f)));
  // Never fewer than the findings: anything the trust list leaves open is an exposure, whatever else holds.
  for (const f of untrusted.values()) add(f, false);
  return { exposures: [...found.values()].sort(compareExposures), blind: [...blind] };
}

/** Worst first; untrusted before trusted; then by principal and how. */
export function compareExposures(a: Exposure, b: Exposure): number {
  return (
    compareSeverity(a.severity, b.severity) ||
    Number(a.trusted) - Number(b.trusted) ||
    text(a.keyArn, b.keyArn) ||
    text(a.principal, b.principal) ||
    text(a.source, b.source) ||
    text(a.statement ?? a.grantId ?? '', b.statement ?? b.grantId ?? '')
  );
}

function text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
