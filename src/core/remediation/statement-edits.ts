import { accountField, isUniqueId } from '../arn.js';
import type { KeyFinding } from '../scan/types.js';
import type { TrustZone } from '../trust.js';
import type { DraftStatement } from './draft.js';
import {
  addPrincipal,
  NAMEABLE,
  principalIsEmpty,
  principalsOfAccount,
  removePattern,
  removePrincipal,
} from './principal-json.js';
import type { PolicyEdit } from './types.js';

/** Takes the untrusted principals of its findings out of a statement that names them. */
export function removeFindings(
  statement: DraftStatement,
  findings: readonly KeyFinding[],
  zone: TrustZone,
): PolicyEdit[] {
  const { json, label } = statement;
  const edits: PolicyEdit[] = [];
  for (const f of findings) {
    if (f.kind === 'principal-pattern' && removePattern(json, f.principal)) {
      edits.push({ kind: 'narrow', statement: label, callerAccounts: [], removed: [f.principal], why: f.reason });
      continue;
    }
    // A pattern that is the condition's last value cannot go (the principals it narrows would be let in whole):
    // the untrusted principals of its account go instead, and the condition stays as it was.
    const account = f.kind === 'principal-pattern' ? accountField(f.principal) : undefined;
    const names = account === undefined ? [f.principal] : principalsOfAccount(json, account, zone);
    for (const name of names) {
      if (removePrincipal(json, name)) {
        edits.push({ kind: 'remove-principal', statement: label, principal: name, why: f.reason });
      }
    }
    // A whole account was let in, and the trust list names principals of it: they got in through it, so they are
    // named instead, and keep their access (cross-account use still needs their own account's IAM policy).
    if (f.kind === 'account' && f.account !== null) {
      for (const trustedPrincipal of [...zone.principals].sort()) {
        if (accountField(trustedPrincipal) !== f.account || !NAMEABLE.test(trustedPrincipal)) continue;
        if (!addPrincipal(json, trustedPrincipal)) continue;
        edits.push({
          kind: 'keep-trusted',
          statement: label,
          principal: trustedPrincipal,
          why: `trusted, it got in through account ${f.account}: it is named instead, and keeps its access`,
        });
      }
    }
  }
  return edits;
}

/** The unique IDs (deleted principals) a statement named when read. */
export function staleIds(statement: DraftStatement): string[] {
  return statement.read.principal.aws.filter(isUniqueId);
}

/** Takes a deleted principal out: it grants nobody, and KMS refuses a new policy that names one. */
export function removeStale(statement: DraftStatement, id: string): PolicyEdit {
  removePrincipal(statement.json, id);
  return {
    kind: 'remove-stale',
    statement: statement.label,
    principal: id,
    why: 'the unique ID of a deleted principal: it grants nobody, and KMS refuses a new policy that names one',
  };
}

/** Whether nobody is left in the statement's Principal: it is dropped then. */
export function nobodyLeft(statement: DraftStatement): boolean {
  return principalIsEmpty(statement.json);
}
