import type { PolicyStatement } from '../policy/document.js';
import type { KeyFinding, KeySnapshot } from '../scan/types.js';
import type { GrantRevocation, PolicyEdit, Refusal } from './types.js';

/**
 * One reason a plan must not do something: its name, what it checks (the comment on each rule), and, when the
 * subject breaks it, the refusal saying why; nothing when the subject passes.
 */
export interface RefusalRule<Subject> {
  readonly name: string;
  readonly refuse: (subject: Subject) => Refusal | undefined;
}

/** The refusal of the first rule the subject breaks, or nothing. */
export function firstRefusal<Subject>(rules: readonly RefusalRule<Subject>[], subject: Subject): Refusal | undefined {
  for (const rule of rules) {
    const refusal = rule.refuse(subject);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

/** The key as the planner is asked to fix it: what was read, and the findings chosen. */
export interface KeySubject {
  readonly key: KeySnapshot;
  readonly selected: readonly KeyFinding[];
}

/** A principal the plan would take out of a statement. */
export interface RemovalSubject {
  readonly statement: PolicyStatement;
  readonly principal: string;
}

/** What the plan would change in the end. */
export interface OutcomeSubject {
  readonly edits: readonly PolicyEdit[];
  readonly revocations: readonly GrantRevocation[];
  readonly refusals: readonly Refusal[];
}

/** The key policy could be read: there is nothing to edit until it can. */
export const policyReadable: RefusalRule<KeySubject> = {
  name: 'policy-readable',
  refuse: ({ key }) =>
    key.policy === null
      ? {
          principal: '*',
          statement: null,
          reason: 'the key policy could not be read: there is nothing to edit until it can',
        }
      : undefined,
};

/** The key policy parses: a plan edits statements it understands, never text it cannot read. */
export const policyParseable: RefusalRule<KeySubject> = {
  name: 'policy-parseable',
  refuse: ({ selected }) =>
    selected.some((f) => f.kind === 'unparseable-policy')
      ? { principal: '*', statement: null, reason: 'the key policy cannot be parsed: it must be fixed by hand' }
      : undefined,
};

/** The statement of a finding has no NotPrincipal: with Allow it lets in everyone it does not list. */
export const noNotPrincipal: RefusalRule<RemovalSubject> = {
  name: 'no-not-principal',
  refuse: ({ statement, principal }) =>
    statement.notPrincipal
      ? {
          principal,
          statement: statement.label,
          reason: `statement "${statement.label}" uses NotPrincipal with Allow: it lets in everyone it does not list, and no removal can fix that; rewrite it with Principal and conditions`,
        }
      : undefined,
};

/** A deleted principal is taken out of Allow statements only: Deny statements are never edited. */
export const denyUntouched: RefusalRule<RemovalSubject> = {
  name: 'deny-untouched',
  refuse: ({ statement, principal }) =>
    statement.effect === 'Deny'
      ? {
          principal,
          statement: statement.label,
          reason: `Deny statement "${statement.label}" names a deleted principal (${principal}); KMS would refuse the new policy, and Deny statements are never edited: remove it by hand`,
        }
      : undefined,
};

/** The plan does something, or says why not: a plan with no edit, no revocation and no refusal is refused. */
export const somethingToDo: RefusalRule<OutcomeSubject> = {
  name: 'something-to-do',
  refuse: ({ edits, revocations, refusals }) =>
    edits.length === 0 && revocations.length === 0 && refusals.length === 0
      ? { principal: '*', statement: null, reason: 'nothing to remediate: no finding of this key is selected' }
      : undefined,
};

/** Checked before anything is planned; the first broken one refuses the whole plan. */
export const KEY_RULES: readonly RefusalRule<KeySubject>[] = [policyReadable, policyParseable];
/** Checked for each principal of a finding before it is taken out of its statement. */
export const FINDING_RULES: readonly RefusalRule<RemovalSubject>[] = [noNotPrincipal];
/** Checked for each deleted principal (a unique ID) before it is taken out of its statement. */
export const STALE_RULES: readonly RefusalRule<RemovalSubject>[] = [denyUntouched];
/** Checked on what the plan would do, once it is planned. */
export const OUTCOME_RULES: readonly RefusalRule<OutcomeSubject>[] = [somethingToDo];
