import { type TrustEntry, trustZone } from '../trust.js';
import { analyzePolicy, type PolicyReport } from './analyze.js';
import { parsePolicyText } from './document.js';

/**
 * Parses, validates and analyzes one key policy given as JSON text, for a key of `keyAccount` (in the organization
 * `keyOrganization`, when known). Throws SentinelError on malformed input.
 */
export function checkPolicyText(
  text: string,
  keyAccount: string,
  trust: readonly TrustEntry[],
  keyOrganization?: string,
): PolicyReport {
  const zone = trustZone(keyAccount, trust, keyOrganization);
  return analyzePolicy(parsePolicyText(text), zone);
}
