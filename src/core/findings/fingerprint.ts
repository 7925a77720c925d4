import type { KeyFinding } from '../scan/types.js';

/**
 * A finding's identity across scans: the same exposure seen in ten scans has one fingerprint. It covers where the
 * key is, how the access is given (statement or grant) and to whom, and nothing that may change while the exposure
 * stays (actions, severity, key state, aliases).
 */
export function fingerprintOf(
  f: Pick<KeyFinding, 'accountId' | 'region' | 'keyId' | 'source' | 'statement' | 'grantId' | 'principal'>,
): string {
  const via = f.source === 'grant' ? (f.grantId ?? '') : (f.statement ?? '');
  return stableHash([f.accountId, f.region, f.keyId, f.source, via, f.principal].join('\u0000'));
}

/** 128 bits of a text, as 32 hex digits: the same text, the same hash, on every machine and release. */
export function stableHash(text: string): string {
  return `${fnv1a64(text, 0xcbf29ce4, 0x84222325)}${fnv1a64(text, 0x6c62272e, 0x07bb0142)}`;
}

/** 64-bit FNV-1a over UTF-16 code units, as two 32-bit halves, seeded; 16 hex digits. */
function fnv1a64(text: string, seedHigh: number, seedLow: number): string {
  let high = seedHigh >>> 0;
  let low = seedLow >>> 0;
  for (let i = 0; i < text.length; i++) {
    low ^= text.charCodeAt(i);
    // Multiply (high, low) by the 64-bit FNV prime 0x100000001b3 = 2^40 + 0x1b3.
    const lowProduct = low * 0x1b3;
    const carry = Math.floor(lowProduct / 0x100000000);
    const newHigh = (Math.imul(high, 0x1b3) + carry + ((low << 8) >>> 0)) >>> 0;
    low = lowProduct >>> 0;
    high = newHigh;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
