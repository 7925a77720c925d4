/** Stable, machine-readable error codes. Each one is documented in the README. */
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

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** An error a user can act on: a stable code, a message that says what to fix, and where, when known. */
export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly position: SourcePosition | undefined;

  constructor(code: ErrorCode, message: string, options: { position?: SourcePosition; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SentinelError';
    this.code = code;
    this.position = options.position;
  }
}

export function isSentinelError(value: unknown): value is SentinelError {
  return value instanceof SentinelError;
}
