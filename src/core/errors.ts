/** Stable, machine-readable error codes. Each one is documented in docs/. */
export type ErrorCode =
  | 'invalid-json'
  | 'duplicate-key'
  | 'policy-too-large'
  | 'invalid-policy'
  | 'invalid-trust-entry'
  | 'invalid-account-id'
  | 'invalid-config'
  | 'config-not-found'
  | 'no-credentials'
  | 'aws-unreachable'
  | 'aws-error'
  | 'environment'
  | 'unreadable-input'
  | 'database-unusable'
  | 'not-found'
  | 'usage';

/**
 * What a front end may add to an error's message in its own words (a CLI names its flags and commands, the bot its
 * slash command); shared code never words these itself.
 */
export type ErrorHint =
  /** Something about the trust list: show it. */
  | 'see-trust-list'
  /** The database path cannot work: say how to point elsewhere. */
  | 'choose-database'
  /** There is no database there yet: say how to name another or make one. */
  | 'no-database-yet';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** An error a user can act on: a stable code, a message that says what to fix, and where, when known. */
export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly position: SourcePosition | undefined;
  readonly hint: ErrorHint | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { position?: SourcePosition; cause?: unknown; hint?: ErrorHint } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SentinelError';
    this.code = code;
    this.position = options.position;
    this.hint = options.hint;
  }
}

export function isSentinelError(value: unknown): value is SentinelError {
  return value instanceof SentinelError;
}
