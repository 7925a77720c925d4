import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/**
 * Names the endpoint a failed request went to (`$endpoint` on the error), so that "connection refused" can say
 * where: the URL comes from the SDK's own endpoint resolution (AWS_ENDPOINT_URL_*, the region), never from here.
 */
export function withEndpointOnFailure<C extends { middlewareStack: object }>(client: C): C {
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const request = args.request as { protocol?: string; hostname?: string; port?: number; path?: string };
        if (typeof error === 'object' && error !== null && request.hostname !== undefined) {
          const port = request.port === undefined ? '' : `:${request.port}`;
          (error as { $endpoint?: string }).$endpoint ??=
            `${request.protocol ?? 'https:'}//${request.hostname}${port}${request.path ?? '/'}`;
        }
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'kmsSentinelEndpointOnFailure' },
  );
  return client;
}

/**
 * Requests one SDK call sent, retries included, from its output's metadata (for a paginator step, its page's; the
 * step that only says the pages are done sent nothing).
 */
export function attempts(value: unknown): number {
  type Metadata = { $metadata?: { attempts?: number } };
  const v = value as (Metadata & { done?: boolean; value?: Metadata }) | undefined;
  if (v?.done === true) return 0;
  return v?.$metadata?.attempts ?? v?.value?.$metadata?.attempts ?? 1;
}
