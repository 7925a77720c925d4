import * as uvu from 'uvu';

export * from 'uvu';

const LIMIT_MS = Number(process.env.TEST_TIMEOUT_MS ?? 60_000);
let timedOut = 0;

type Handler = (context: Record<string, unknown>) => unknown;

/** `handler`, failing with an error naming `suite` and `what` if it has not settled after LIMIT_MS. */
function limited(suite: string, what: string, handler: Handler): Handler {
  return async (context) => {
    let timer: NodeJS.Timeout | undefined;
    // Not unref'd: a test awaiting something nothing else keeps alive must still fail by name, not exit the run early.
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut++;
        reject(new Error(`timed out after ${LIMIT_MS / 1000} s: ${suite ? `${suite} › ` : ''}${what}`));
      }, LIMIT_MS);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => handler(context)), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

type Hook = (handler: Handler) => void;
const hookOf =
  (suite: string, what: string, add: Hook): Hook =>
  (handler) =>
    add(limited(suite, what, handler));

export function suite<T = Record<string, unknown>>(name = '', state?: T): uvu.Test<T> {
  const real = uvu.suite(name, state) as unknown as ((what: string, handler: Handler) => void) & {
    before: Hook & { each: Hook };
    after: Hook & { each: Hook };
    only: (what: string, handler: Handler) => void;
  };
  const test = Object.assign((what: string, handler: Handler) => real(what, limited(name, what, handler)), real, {
    before: Object.assign(hookOf(name, 'before', real.before), {
      each: hookOf(name, 'before each', real.before.each),
    }),
    after: Object.assign(hookOf(name, 'after', real.after), { each: hookOf(name, 'after each', real.after.each) }),
    only: (what: string, handler: Handler) => real.only(what, limited(name, what, handler)),
  });
  return test as unknown as uvu.Test<T>;
}

export const test = suite();

/** Runs the queued suites; a test that timed out may hold sockets or children open, so the process ends here. */
export async function exec(bail?: boolean): Promise<void> {
  await uvu.exec(bail);
  if (timedOut > 0) process.exit(process.exitCode || 1);
}
