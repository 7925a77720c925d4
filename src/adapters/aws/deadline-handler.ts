import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';

/**
 * Gives every HTTP attempt a deadline for the whole exchange, the body included. The SDK's own request timeout stops
 * once the response headers arrive, so an endpoint that then sends a byte every few seconds would hold a scan
 * forever; past the deadline this aborts the request (before the headers) or destroys the body (after them), with
 * a TimeoutError the SDK retries like any timeout.
 */
export class DeadlineHandler {
  private readonly inner: NodeHttpHandler;
  private readonly deadlineMs: number;

  constructor(inner: NodeHttpHandler, deadlineMs: number) {
    this.inner = inner;
    this.deadlineMs = deadlineMs;
  }

  get metadata() {
    return this.inner.metadata;
  }

  async handle(
    request: Parameters<NodeHttpHandler['handle']>[0],
    options: HttpHandlerOptions = {},
  ): ReturnType<NodeHttpHandler['handle']> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(timedOut(this.deadlineMs)), this.deadlineMs);
    const signal =
      options.abortSignal === undefined
        ? deadline.signal
        : AbortSignal.any([options.abortSignal as AbortSignal, deadline.signal]);
    try {
      const out = await this.inner.handle(request, { ...options, abortSignal: signal });
      const body = out.response.body as NodeJS.ReadableStream & { destroy?: (error: Error) => void };
      if (typeof body?.once !== 'function' || typeof body.destroy !== 'function') {
        clearTimeout(timer);
        return out;
      }
      const onDeadline = () => body.destroy?.(timedOut(this.deadlineMs));
      deadline.signal.addEventListener('abort', onDeadline, { once: true });
      body.once('close', () => {
        clearTimeout(timer);
        deadline.signal.removeEventListener('abort', onDeadline);
      });
      return out;
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs() {
    return this.inner.httpHandlerConfigs();
  }

  /**
   * Every client of the gateway shares this handler, and a client's destroy() calls it: the connections stay for
   * the other clients, and the gateway's close() ends them.
   */
  destroy(): void {}
}

function timedOut(ms: number): Error {
  return Object.assign(new Error(`the request did not complete within ${ms} ms`), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
  });
}
