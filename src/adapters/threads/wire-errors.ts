import { type ErrorCode, type ErrorHint, SentinelError, type SourcePosition } from '../../core/errors.js';
import { AwsCallError, type AwsErrorCode } from '../../usecases/aws-port.js';
import { ScanAborted } from '../../usecases/run-scan.js';
import { type DeliveryLease, DeliveryLeaseLost } from '../../usecases/store-port.js';

/**
 * An error as it crosses a thread boundary. The errors front ends branch on keep their class and fields: a
 * SentinelError its code, hint and position; an AwsCallError its codes and endpoint; ScanAborted itself; a
 * DeliveryLeaseLost who holds the lease now.
 */
export type WireError =
  | {
      readonly type: 'sentinel';
      readonly code: ErrorCode;
      readonly message: string;
      readonly hint: ErrorHint | undefined;
      readonly position: SourcePosition | undefined;
    }
  | {
      readonly type: 'aws';
      readonly code: AwsErrorCode;
      readonly awsCode: string;
      readonly message: string;
      readonly endpoint: string | undefined;
    }
  | { readonly type: 'aborted' }
  | { readonly type: 'lease-lost'; readonly lease: DeliveryLease | undefined }
  | {
      readonly type: 'other';
      readonly name: string;
      readonly message: string;
      readonly code: string | undefined;
      readonly stack: string | undefined;
    };

export function toWire(error: unknown): WireError {
  if (error instanceof AwsCallError) {
    return {
      type: 'aws',
      code: error.reason,
      awsCode: error.awsCode,
      message: error.message,
      endpoint: error.endpoint,
    };
  }
  if (error instanceof SentinelError) {
    return { type: 'sentinel', code: error.code, message: error.message, hint: error.hint, position: error.position };
  }
  if (error instanceof ScanAborted) return { type: 'aborted' };
  if (error instanceof DeliveryLeaseLost) return { type: 'lease-lost', lease: error.lease };
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return {
    type: 'other',
    name: e.name,
    message: e.message,
    code: typeof code === 'string' ? code : undefined,
    stack: e.stack,
  };
}

export function fromWire(wire: WireError, thread: string): Error {
  switch (wire.type) {
    case 'sentinel':
      return new SentinelError(wire.code, wire.message, {
        ...(wire.hint === undefined ? {} : { hint: wire.hint }),
        ...(wire.position === undefined ? {} : { position: wire.position }),
      });
    case 'aws':
      return new AwsCallError(wire.code, wire.awsCode, wire.message, { endpoint: wire.endpoint });
    case 'aborted':
      return new ScanAborted();
    case 'lease-lost':
      return new DeliveryLeaseLost(wire.lease);
    default: {
      const error = Object.assign(new Error(wire.message), wire.code === undefined ? {} : { code: wire.code });
      error.name = wire.name;
      if (wire.stack !== undefined) error.stack = `${wire.stack}\n    (in the ${thread})`;
      return error;
    }
  }
}
