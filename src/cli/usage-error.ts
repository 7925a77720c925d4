import { SentinelError } from '../core/errors.js';

export function usageError(message: string): SentinelError {
  return new SentinelError('usage', message);
}
