import { analyzePolicy } from '../policy/analyze.js';
import { parsePolicyText } from '../policy/document.js';
import { type TrustEntry, trustZone } from '../trust.js';
import { type IacKey, type IacKeyReport, KEY_OWN_ACCOUNT } from './types.js';

/**
 * Judges one key a template declares with check-policy's own engine (parse, then analyze), against the trust list,
 * for a key of the deploying account (or "the key's own account" when it is not known). Throws the engine's
 * SentinelError when the resolved policy is not a valid key policy.
 */
export function judgeIacKey(key: IacKey, trust: readonly TrustEntry[]): IacKeyReport {
  if (key.policy === undefined) return { key, findings: [], policyNotices: [], public: false };
  // The text check-policy would read: the same size limit and the same parse.
  const document = parsePolicyText(JSON.stringify(key.policy));
  const report = analyzePolicy(document, trustZone(key.account ?? KEY_OWN_ACCOUNT, trust));
  const lineOf = (label: string) => {
    const index = document.statements.findIndex((s) => s.label === label);
    return index === -1 ? key.line : (key.statementLines[index] ?? key.line);
  };
  return {
    key,
    findings: report.findings.map((f) => ({ ...f, line: lineOf(f.statement) })),
    policyNotices: report.notices.map((n) => ({ ...n, line: lineOf(n.statement) })),
    public: report.public,
  };
}

/** A principal or account as a person reads it: the stand-in for the key's own account is said in words. */
export function shownAccount(text: string): string {
  return text.split(KEY_OWN_ACCOUNT).join("<the key's own account>");
}

/**
 * Whether a key's policy was judged: false when there was none to judge although the key sets one (unresolvable,
 * known only after apply, not valid JSON): its notices say why. A key that sets no policy is judged (the default one).
 */
export function keyJudged(key: IacKey): boolean {
  return key.policy !== undefined || key.notices.some((n) => n.code === 'no-policy');
}
