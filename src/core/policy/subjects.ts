import { hasWildcard, isAccountId, isUniqueId, parsePrincipalArn } from '../arn.js';
import { SentinelError } from '../errors.js';
import type { PolicyStatement } from './document.js';

/** Who a statement names, before its conditions are read. Service principals are not accounts and are dropped. */
export type Subject =
  | { readonly kind: 'everyone'; readonly notPrincipal: boolean }
  | { readonly kind: 'account'; readonly principal: string; readonly account: string }
  | { readonly kind: 'principal'; readonly principal: string; readonly account: string }
  | { readonly kind: 'federated'; readonly principal: string }
  | { readonly kind: 'canonical-user'; readonly principal: string };

export interface Subjects {
  readonly subjects: Subject[];
  /** Unique IDs left behind by deleted principals: they grant nobody. */
  readonly stale: string[];
}

const IAM_PRINCIPAL = /^(user|role)\/\S+$/;
const STS_PRINCIPAL = /^(assumed-role\/\S+\/\S+|federated-user\/\S+)$/;

export function subjectsOf(statement: PolicyStatement): Subjects {
  const { principal } = statement;
  const subjects: Subject[] = [];
  const stale: string[] = [];
  if (principal.everyone || statement.notPrincipal) {
    subjects.push({ kind: 'everyone', notPrincipal: statement.notPrincipal });
    if (statement.notPrincipal) return { subjects, stale };
  }
  for (const value of principal.aws) {
    if (isAccountId(value)) {
      subjects.push({ kind: 'account', principal: value, account: value });
    } else if (isUniqueId(value)) {
      stale.push(value);
    } else {
      subjects.push(awsPrincipal(value, statement.label));
    }
  }
  for (const value of principal.federated) {
    subjects.push({ kind: 'federated', principal: value });
  }
  for (const value of principal.canonicalUser) subjects.push({ kind: 'canonical-user', principal: value });
  return { subjects, stale };
}

function awsPrincipal(value: string, label: string): Subject {
  const arn = parsePrincipalArn(value);
  if (hasWildcard(value)) {
    throw problem(
      value,
      label,
      'is not a valid AWS principal: wildcards are not allowed in principal ARNs (use "*" with a condition)',
    );
  }
  if (arn === undefined) {
    throw problem(
      value,
      label,
      'is not a valid AWS principal; use "*", a 12-digit account ID, or an IAM or STS principal ARN',
    );
  }
  if (arn.service === 'iam' && arn.resource === 'root') {
    return { kind: 'account', principal: value, account: arn.account };
  }
  if (
    (arn.service === 'iam' && IAM_PRINCIPAL.test(arn.resource)) ||
    (arn.service === 'sts' && STS_PRINCIPAL.test(arn.resource))
  ) {
    return { kind: 'principal', principal: value, account: arn.account };
  }
  throw problem(value, label, 'is not a principal KMS accepts (root, user/, role/, assumed-role/ or federated-user/)');
}

function problem(value: string, label: string, why: string): SentinelError {
  return new SentinelError('invalid-policy', `statement ${JSON.stringify(label)}: ${JSON.stringify(value)} ${why}`);
}
