/** An HTTP answer, before latency is applied. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Headers beyond the content type and request ID (SQS's error code, say). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Returned by a handler that must never answer. */
export const HANG: unique symbol = Symbol('hang');
