import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module next to the caller's. The worker runs compiled JavaScript in production; run
 * from the TypeScript sources (the tests, under tsx), a worker does not inherit tsx's loader on Node.js 20, so it
 * registers it first.
 */
export function startWorker(
  callerUrl: string,
  entry: string,
  workerData: unknown,
  settings: { resourceLimits?: ResourceLimits; env?: Readonly<Record<string, string | undefined>> } = {},
): Worker {
  const options = {
    workerData,
    ...(settings.resourceLimits === undefined ? {} : { resourceLimits: settings.resourceLimits }),
    // The thread's own process.env: what the SDK reads there (endpoints, credentials, region).
    ...(settings.env === undefined ? {} : { env: definedOnly(settings.env) }),
  };
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${entry}.js`, callerUrl), options);
  const module = new URL(`./${entry}.ts`, callerUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(module)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
