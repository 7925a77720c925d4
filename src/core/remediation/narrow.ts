import { accountField, isAccountId } from '../arn.js';
import { analyzePolicy } from '../policy/analyze.js';
import { parsePolicyText } from '../policy/document.js';
import type { KeyFinding } from '../scan/types.js';
import type { TrustZone } from '../trust.js';
import type { DraftStatement, Json } from './draft.js';
import type { PolicyEdit } from './types.js';

const ACCOUNT_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount', 'aws:sourceaccount']);
/** In a key policy, the key's own account: it stays wherever it narrows. */
const RESOURCE_ACCOUNT = /^\$\{aws:resourceaccount\}$/i;

/**
 * Narrows a statement open to everyone: first the untrusted values of its own narrowing go (accounts,
 * organizations, ARN patterns); if it still lets in someone untrusted (or nothing narrows it any more), it is
 * narrowed with kms:CallerAccount to the key's account and the trusted accounts it already named.
 */
export function narrow(statement: DraftStatement, findings: readonly KeyFinding[], zone: TrustZone): PolicyEdit {
  const { json } = statement;
  const { keyAccount, accounts: trusted } = zone;
  const condition = (json.Condition ?? {}) as Record<string, Record<string, unknown>>;
  const removed: string[] = [];
  const callerAccounts = new Set<string>([keyAccount]);
  const untrustedNamed = new Set(findings.map((f) => f.principal));
  let accountNarrowed = false;
  for (const [operator, block] of Object.entries(condition)) {
    for (const [conditionKey, value] of Object.entries(block)) {
      const lower = conditionKey.toLowerCase();
      if (ACCOUNT_KEYS.has(lower)) accountNarrowed = true;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      let keep = values;
      if (ACCOUNT_KEYS.has(lower)) {
        for (const v of values) if (isAccountId(v) && trusted.has(v)) callerAccounts.add(v);
        keep = values.filter((v) => (isAccountId(v) && trusted.has(v)) || RESOURCE_ACCOUNT.test(v));
      } else if (lower === 'aws:principalorgid' || lower === 'aws:principalorgpaths') {
        keep = values.filter((v) => !untrustedNamed.has(v));
      } else if (lower === 'aws:principalarn') {
        keep = values.filter(
          (v) => zone.principals.has(v) || (!untrustedNamed.has(v) && !untrustedAccountPattern(v, trusted, keyAccount)),
        );
      }
      removed.push(...values.filter((v) => !keep.includes(v)));
      if (keep.length === values.length) continue;
      if (keep.length === 0) delete block[conditionKey];
      else block[conditionKey] = Array.isArray(value) ? keep : keep[0];
    }
    if (Object.keys(block).length === 0) delete condition[operator];
  }
  const narrowed = Object.keys(condition).length > 0;
  if (narrowed) json.Condition = condition;
  else delete json.Condition;
  const accounts = [...callerAccounts].sort((a, b) =>
    a === keyAccount ? -1 : b === keyAccount ? 1 : a.localeCompare(b),
  );
  const edit = (callerAccounts: readonly string[]): PolicyEdit => ({
    kind: 'narrow',
    statement: statement.label,
    callerAccounts,
    removed,
    why: findings.map((f) => f.reason).join('; '),
  });
  // Narrowed by account, it is narrowed to the key's account and the trusted accounts it named; narrowed otherwise
  // (a trusted organization, say), what is left stands unless it still lets in someone untrusted.
  if (!accountNarrowed && narrowed && statementFindings(json, zone) === 0) {
    return edit([]);
  }
  for (const block of Object.values(condition)) {
    for (const conditionKey of Object.keys(block))
      if (ACCOUNT_KEYS.has(conditionKey.toLowerCase())) delete block[conditionKey];
  }
  for (const [operator, block] of Object.entries(condition))
    if (Object.keys(block).length === 0) delete condition[operator];
  const equals = (condition.StringEquals ?? {}) as Record<string, unknown>;
  equals['kms:CallerAccount'] = accounts.length === 1 ? accounts[0] : accounts;
  condition.StringEquals = equals;
  json.Condition = condition;
  return edit(accounts);
}

/** How many principals outside the trust zone one statement, on its own, lets in. */
function statementFindings(json: Json, zone: TrustZone): number {
  const text = JSON.stringify({ Version: '2012-10-17', Statement: [json] });
  return analyzePolicy(parsePolicyText(text), zone).findings.length;
}

function untrustedAccountPattern(pattern: string, trusted: ReadonlySet<string>, keyAccount: string): boolean {
  const account = accountField(pattern);
  return account !== undefined && account !== keyAccount && !trusted.has(account);
}
