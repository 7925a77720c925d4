import type { PolicyFinding, PolicyNotice } from '../policy/analyze.js';

/**
 * A template read into plain JSON values: CloudFormation's YAML short tags already turned into their long form
 * (`!Ref X` is `{"Ref": "X"}`, `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`, `!Sub s` is `{"Fn::Sub": "s"}`, ...),
 * with the line each value starts on.
 */
export interface TemplateDocument {
  readonly file: string;
  readonly root: unknown;
  /** The 1-based line a value starts on, by its path from the root (keys and list indexes); undefined if unknown. */
  readonly lineOf: (path: readonly (string | number)[]) => number | undefined;
}

/**
 * The account `AWS::AccountId` stands for when neither `--account` nor the plan says which: "the key's own account".
 * The policy is judged for a key of this account, and reports print it as "the key's own account".
 */
export const KEY_OWN_ACCOUNT = '000000000000';

/** What a file turned out to be. */
export type TemplateKind = 'cloudformation' | 'terraform-plan';

/** What the deploying side is known to be, from the command line or the template's own parameters. */
export interface IacContext {
  /** The account the stack or plan deploys to (`--account`); undefined: "the key's own account". */
  readonly account: string | undefined;
  /** `--parameter Name=Value`, over the template's own parameter defaults. */
  readonly parameters: ReadonlyMap<string, string>;
}

/** Something in a template that could not be judged as written, said so rather than trusted or dropped. */
export interface IacNotice {
  /** `invalid-policy`: the policy is there but is not valid JSON; the file then cannot pass (exit status 2). */
  /** `transform`: a macro or an include the template runs may change its keys, which are judged as written. */
  readonly code: 'unresolvable' | 'policy-unknown' | 'no-policy' | 'invalid-policy' | 'transform';
  /** Where in the policy (a JSON path such as `Statement[1].Principal.AWS[0]`), when the notice is about a part. */
  readonly at: string | undefined;
  readonly message: string;
  readonly line: number | undefined;
  /**
   * True when something that may let a principal in was left out of the verdict (a principal, a statement, the whole
   * policy, keys a macro or a loop makes); false when the verdict still covers it and can only say more, not less
   * (both branches of an undecided `Fn::If` judged, an Allow's condition dropped, a Deny not relied on).
   * `check-iac --strict` fails on any such notice.
   */
  readonly unjudged: boolean;
}

/** A notice about a whole template (a macro it runs, a loop that cannot be expanded), not one of its keys. */
export interface IacFileNotice extends IacNotice {
  readonly file: string;
}

/**
 * One key a template or plan declares, its policy resolved to plain JSON as far as it can be. A value that could not
 * be resolved is left out of `policy` and named in `notices` (never guessed: not trusted, not silently dropped).
 */
export interface IacKey {
  readonly file: string;
  /** The logical ID (CloudFormation) or the resource address (Terraform). */
  readonly resource: string;
  readonly resourceType: string;
  /** The key policy, resolved; undefined when there is none to judge (see notices). */
  readonly policy: unknown;
  /** The account the key is created in, when the template or the command line says; else the key's own account. */
  readonly account: string | undefined;
  /** The line of each statement, by its index in the resolved policy's Statement list. */
  readonly statementLines: readonly (number | undefined)[];
  /** The line the resource (or its policy) starts on. */
  readonly line: number | undefined;
  readonly notices: readonly IacNotice[];
}

/** One key's verdict: the same engine as check-policy, on the resolved policy. */
export interface IacKeyReport {
  readonly key: IacKey;
  readonly findings: readonly (PolicyFinding & { readonly line: number | undefined })[];
  readonly policyNotices: readonly (PolicyNotice & { readonly line: number | undefined })[];
  readonly public: boolean;
}

/** A file that could not be read as what it claims to be: the message says what and where. */
export interface IacFileError {
  readonly file: string;
  readonly code: string;
  readonly message: string;
  readonly line: number | undefined;
}

export interface IacReport {
  readonly checked: readonly { readonly file: string; readonly kind: TemplateKind }[];
  readonly skipped: readonly string[];
  readonly keys: readonly IacKeyReport[];
  readonly errors: readonly IacFileError[];
  readonly notices: readonly IacFileNotice[];
}
