import { isSentinelError } from '../errors.js';
import { analyzeGrants } from '../grants.js';
import { compareSeverity } from '../policy/actions.js';
import { analyzePolicy } from '../policy/analyze.js';
import { parsePolicyText } from '../policy/document.js';
import { type TrustEntry, type TrustZone, trustZone } from '../trust.js';
import { type KeyFinding, type KeyNotice, type KeySnapshot, stackField } from './types.js';

export interface KeyEvaluation {
  readonly findings: KeyFinding[];
  readonly notices: KeyNotice[];
}

/** Judges one key from what the scanner read: its policy and its grants. Pure: the same snapshot, the same verdict. */
export function evaluateKey(key: KeySnapshot, zone: TrustZone): KeyEvaluation {
  const where = {
    accountId: key.accountId,
    region: key.region,
    keyId: key.keyId,
    keyArn: key.keyArn,
    aliases: key.aliases,
    keyState: key.keyState,
    ...stackField(key.stack),
  };
  const findings: KeyFinding[] = [];
  const notices: KeyNotice[] = [];
  if (key.policy !== null) {
    try {
      const report = analyzePolicy(parsePolicyText(key.policy), zone, { keyArn: key.keyArn });
      for (const f of report.findings) {
        findings.push({ ...where, kind: f.kind, source: 'policy', statement: f.statement, grantId: null, ...pick(f) });
      }
      for (const n of report.notices) {
        notices.push({
          ...ids(key),
          source: 'policy',
          statement: n.statement,
          grantId: null,
          code: n.code,
          message: n.message,
        });
      }
    } catch (error) {
      if (!isSentinelError(error)) throw error;
      findings.push({
        ...where,
        kind: 'unparseable-policy',
        source: 'policy',
        statement: null,
        grantId: null,
        principal: '*',
        account: null,
        actions: [],
        severity: 'high',
        public: false,
        reason: 'unparseable-policy',
        detail: error.message,
      });
    }
  }
  const grants = analyzeGrants(key.grants ?? [], zone);
  for (const g of grants.findings) {
    findings.push({
      ...where,
      kind: g.kind,
      source: 'grant',
      statement: null,
      grantId: g.grantId,
      principal: g.principal,
      account: g.account,
      actions: g.actions,
      severity: g.severity,
      public: false,
      reason: g.reason,
    });
  }
  for (const n of grants.notices) {
    notices.push({
      ...ids(key),
      source: 'grant',
      statement: null,
      grantId: n.grantId,
      code: n.code,
      message: n.message,
    });
  }
  return { findings, notices };
}

/** A key judged, or the reason it could not be: an unexpected failure of the engine on one key is never lost. */
export type KeyJudgement = ({ readonly ok: true } & KeyEvaluation) | { readonly ok: false; readonly message: string };

/**
 * Judges one key and fails closed: an exception the engine did not expect becomes a failure for that key (which the
 * caller records as an `analysis-error` item and an incomplete scan), never a lost scan and never a clean verdict.
 */
export function judgeKey(key: KeySnapshot, trusted: readonly TrustEntry[]): KeyJudgement {
  try {
    return { ok: true, ...evaluateKey(key, trustZone(key.accountId, trusted)) };
  } catch (error) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, message: what.split('\n')[0] ?? what };
  }
}

/** Where a key is, as every item about it repeats. */
export type KeyWhere = Pick<KeyFinding, 'accountId' | 'region' | 'keyId' | 'keyArn' | 'aliases' | 'keyState' | 'stack'>;

/**
 * An item about a whole key that could not be read (its policy shuts the scanner out) or judged (the engine
 * failed on it): nobody can tell what such a key allows, so it is kept open like an exposure, severity high.
 */
export function keyProblem(where: KeyWhere, kind: 'unreadable' | 'analysis-error', detail: string): KeyFinding {
  return {
    ...where,
    kind,
    source: 'key',
    statement: null,
    grantId: null,
    principal: kind,
    account: null,
    actions: [],
    severity: 'high',
    public: false,
    reason:
      kind === 'unreadable'
        ? 'the key policy does not let the scanner read it: nobody can tell what it allows until the audit role is added to it'
        : 'the engine failed on this key: it could not be judged, so it is treated as open until it can be',
    detail,
  };
}

function pick(f: {
  principal: string;
  account: string | null;
  actions: readonly string[];
  severity: KeyFinding['severity'];
  public: boolean;
  reason: string;
}) {
  return {
    principal: f.principal,
    account: f.account,
    actions: f.actions,
    severity: f.severity,
    public: f.public,
    reason: f.reason,
  };
}

function ids(key: KeySnapshot) {
  return { accountId: key.accountId, region: key.region, keyId: key.keyId };
}

/** Orders findings across keys: severity, then account, region, key, principal. */
export function compareFindings(a: KeyFinding, b: KeyFinding): number {
  return (
    compareSeverity(a.severity, b.severity) ||
    cmp(a.accountId, b.accountId) ||
    cmp(a.region, b.region) ||
    cmp(a.keyId, b.keyId) ||
    cmp(a.source, b.source) ||
    cmp(a.principal, b.principal)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
