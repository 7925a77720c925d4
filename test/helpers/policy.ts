import type { PolicyReport } from '../../src/core/policy/analyze.js';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { parseTrustEntry } from '../../src/core/trust.js';

export const OWN = '111111111111';
export const FOREIGN = '999999999999';
export const PARTNER = '222222222222';

/** Checks a policy given as an object (or its statements) owned by OWN, with the given trust entries. */
export function check(policy: object | object[], trust: string[] = [], keyAccount = OWN): PolicyReport {
  const doc = Array.isArray(policy) ? { Version: '2012-10-17', Statement: policy } : policy;
  return checkPolicyText(JSON.stringify(doc), keyAccount, trust.map(parseTrustEntry));
}

/** The statement a key's own account keeps control through: its root, kms:*. */
export function ownerStatement(account = OWN): object {
  return {
    Sid: 'Owner',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
}

export function allow(principal: unknown, action: unknown = 'kms:Decrypt', extra: object = {}): object {
  return { Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra };
}

export function principals(report: PolicyReport): string[] {
  return report.findings.map((f) => f.principal);
}

export function codes(report: PolicyReport): string[] {
  return report.notices.map((n) => n.code);
}
