import { type TrustEntry, trustZone } from '../trust.js';
import { analyzePolicy, type PolicyReport } from './analyze.js';
import { parsePolicyText } from './document.js';

/** Parses, validates and analyzes one key policy given as JSON text. Throws SentinelError on malformed input. */
export function checkPolicyText(text: string, keyAccount: string, trust: readonly TrustEntry[]): PolicyReport {
  const zone = trustZone(keyAccount, trust);
  return analyzePolicy(parsePolicyText(text), zone);
}
