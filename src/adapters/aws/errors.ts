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
  MalformedPolicyDocumentException: 'MalformedPolicy',
  LimitExceededException: 'LimitExceeded',
};

/** Network failures: the endpoint could not be reached, or dropped the connection. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  ECONNABORTED: 'the connection was aborted',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
};

const own = <T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined =>
  key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;

/** Classifies whatever the SDK threw into a stable code, keeping AWS's own name and message. */
export function toAwsCallError(error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const e = error as { name?: string; code?: string; message?: string; $endpoint?: string };
  const awsCode = e.name ?? e.code ?? 'Error';
  const firstLine = (e.message ?? String(error)).split('\n')[0] ?? awsCode;
  const network = own(UNREACHABLE, e.code);
  if (network !== undefined) {
    const where = e.$endpoint ?? 'the AWS endpoint';
    return new AwsCallError('Unreachable', e.code ?? awsCode, `cannot reach ${where}: ${network} (${firstLine})`, {
      cause: error,
      endpoint: e.$endpoint,
    });
  }
  let code: AwsErrorCode = own(BY_AWS_CODE, awsCode) ?? 'AwsError';
  if (code === 'AwsError' && e.code === 'ETIMEDOUT') code = 'Timeout';
  const message = code === 'Timeout' && e.$endpoint !== undefined ? `${firstLine} (${e.$endpoint})` : firstLine;
  return new AwsCallError(code, awsCode, message, { cause: error, endpoint: e.$endpoint });
}
