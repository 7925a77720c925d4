/** AWS JSON 1.1 (KMS, Organizations): `X-Amz-Target: Prefix.Operation`, JSON in, JSON out, errors `{"__type": ...}`. */
import type { AwsFault } from './fault.js';
import type { Reply } from './reply.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function jsonReply(output: unknown): Reply {
  return { status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(output) };
}

export function jsonFault(fault: AwsFault): Reply {
  return {
    status: fault.status,
    contentType: CONTENT_TYPE,
    body: JSON.stringify({ __type: fault.code, message: fault.message }),
  };
}

/** The operation named by `X-Amz-Target` when it has the service's prefix. */
export function targetOperation(target: string | undefined, prefix: string): string | undefined {
  return target?.startsWith(`${prefix}.`) ? target.slice(prefix.length + 1) : undefined;
}

/** The request body as a JSON object (`{}` when empty); undefined when it is not a JSON object. */
export function parseJsonInput(body: string): Record<string, unknown> | undefined {
  if (body === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
