import { AwsCallError, type AwsErrorCode } from '../../usecases/aws-port.js';

const BY_AWS_CODE: Record<string, AwsErrorCode> = {
  AccessDenied: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  AWSOrganizationsNotInUseException: 'AccessDenied',
  UnauthorizedOperation: 'AccessDenied',
  UnrecognizedClientException: 'RegionNotEnabled',
  InvalidClientTokenId: 'RegionNotEnabled',
  NotFoundException: 'NotFound',
  ThrottlingException: 'Throttled',
  Throttling: 'Throttled',
  TooManyRequestsException: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  CredentialsProviderError: 'NoCredentials',
  TimeoutError: 'Timeout',
  AbortError: 'Timeout',
  RequestTimeout: 'Timeout',
};

/** Classifies whatever the SDK threw into a stable code, keeping AWS's own name and message. */
export function toAwsCallError(error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const e = error as { name?: string; code?: string; message?: string };
  const awsCode = e.name ?? e.code ?? 'Error';
  let code: AwsErrorCode = BY_AWS_CODE[awsCode] ?? 'AwsError';
  if (code === 'AwsError' && (e.code === 'ETIMEDOUT' || e.code === 'ECONNRESET' || e.code === 'ECONNREFUSED')) {
    code = 'Timeout';
  }
  const message = (e.message ?? String(error)).split('\n')[0] ?? awsCode;
  return new AwsCallError(code, awsCode, message, { cause: error });
}
