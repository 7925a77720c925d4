/** Stable, machine-readable error codes. Each one is documented in docs/commands.md. */
export type ErrorCode =
  | 'invalid-json'
  | 'invalid-yaml'
  | 'duplicate-key'
  | 'policy-too-large'
  | 'invalid-policy'
  | 'invalid-trust-entry'
  | 'invalid-account-id'
  | 'invalid-organization-id'
  | 'invalid-party'
  | 'invalid-key'
  | 'invalid-config'
  | 'config-not-found'
  | 'no-credentials'
  | 'aws-unreachable'
  | 'aws-error'
  | 'environment'
  | 'unreadable-input'
  | 'database-unusable'
  | 'not-found'
  | 'usage'
  | 'aws-access-denied'
  | 'aws-not-found'
  | 'aws-throttled'
  | 'aws-refused'
  | 'slack-unavailable'
  | 'slack-refused';

/**
 * What a person can do about an error: fix the command line (`usage`) or the data given (`input`), fix the setup
 * (`environment`: config, credentials, the database, the network settings), wait and try again (`unavailable`: an
 * outside system failed for now), or change what is asked (`refused`: an outside system said no).
 */
export type ErrorKind = 'usage' | 'input' | 'environment' | 'unavailable' | 'refused';

/** The kind of each code (docs/commands.md lists them). */
export const KIND_OF: Readonly<Record<ErrorCode, ErrorKind>> = {
  usage: 'usage',
  'invalid-json': 'input',
  'invalid-yaml': 'input',
  'duplicate-key': 'input',
  'policy-too-large': 'input',
  'invalid-policy': 'input',
  'invalid-trust-entry': 'input',
  'invalid-account-id': 'input',
  'invalid-organization-id': 'input',
  'invalid-party': 'input',
  'invalid-key': 'input',
  'unreadable-input': 'input',
  'not-found': 'input',
  'invalid-config': 'environment',
  'config-not-found': 'environment',
  'no-credentials': 'environment',
  environment: 'environment',
  'database-unusable': 'environment',
  'aws-unreachable': 'unavailable',
  'aws-throttled': 'unavailable',
  'aws-error': 'unavailable',
  'slack-unavailable': 'unavailable',
  'aws-access-denied': 'refused',
  'aws-not-found': 'refused',
  'aws-refused': 'refused',
  'slack-refused': 'refused',
};

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

/**
 * The one error the program raises on purpose, in every layer and adapter: a stable code, the kind of failure it is,
 * a message that says what to fix, and where, when known. Adapters subclass it to keep what their outside system
 * said (AwsCallError, SlackCallError); each front end renders it its own way (the CLI's line and exit status, the
 * bot's reply).
 */
export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
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
    this.kind = KIND_OF[code];
    this.position = options.position;
    this.hint = options.hint;
  }

  /** The message as a person reads it in a report, with what the outside system said when it said something. */
  detail(): string {
    return this.message;
  }
}

export function isSentinelError(value: unknown): value is SentinelError {
  return value instanceof SentinelError;
}

/** What went wrong, in words, whatever was thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof SentinelError) return error.detail();
  return error instanceof Error ? error.message : String(error);
}
