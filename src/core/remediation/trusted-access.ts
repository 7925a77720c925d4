import { accountField } from '../arn.js';
import { globMatches } from '../glob.js';
import { evaluateKey } from '../scan/evaluate-key.js';
import type { KeyFinding, KeySnapshot } from '../scan/types.js';
import { type TrustEntry, trustZone } from '../trust.js';

/**
 * What trusted principals would lose: both versions judged with an empty trust list show everyone from outside the
 * key's account; those the real trust list does not report are the trusted ones, and each must keep every action.
 */
export function lostTrustedAccess(
  key: KeySnapshot,
  next: KeySnapshot,
  trusted: readonly TrustEntry[],
  untrusted: readonly KeyFinding[],
): string[] {
  if (trusted.length === 0) return [];
  const outsiders = trustZone(key.accountId, []);
  const reported = new Set(untrusted.map(accessIdentity));
  const access = (k: KeySnapshot) => {
    const byPrincipal = new Map<string, Set<string>>();
    const add = (id: string, actions: readonly string[]) => {
      const known = byPrincipal.get(id) ?? new Set<string>();
      for (const a of actions) known.add(a);
      byPrincipal.set(id, known);
    };
    for (const f of evaluateKey(k, outsiders).findings) {
      if (!reported.has(accessIdentity(f))) add(accessIdentity(f), f.actions);
      // A principal the trust list names gets in wherever its whole account does, or an ARN pattern matching it.
      for (const entry of trusted) {
        if (entry.kind !== 'principal') continue;
        const covers =
          f.kind === 'account'
            ? f.account !== null && accountField(entry.arn) === f.account
            : f.kind === 'principal-pattern' && globMatches(f.principal, entry.arn);
        if (covers) add(accessIdentity({ ...f, principal: entry.arn }), f.actions);
      }
    }
    return byPrincipal;
  };
  const before = access(key);
  const after = access(next);
  const lost: string[] = [];
  for (const [id, actions] of before) {
    const kept = after.get(id) ?? new Set<string>();
    const gone = [...actions].filter((a) => !kept.has(a));
    if (gone.length > 0) lost.push(`${id.split('|')[2]} (${gone.join(', ')})`);
  }
  return lost;
}

/** Who gets in, and through what: the same principal through the same statement or grant is the same access. */
export function accessIdentity(f: Pick<KeyFinding, 'source' | 'grantId' | 'principal'>): string {
  return `${f.source}|${f.source === 'grant' ? f.grantId : ''}|${f.principal}`;
}
