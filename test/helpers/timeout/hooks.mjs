// Module resolution hook (see preload.ts): every `import 'uvu'` but the wrapper's own gets the wrapper.
const WRAPPER = new URL('./uvu.ts', import.meta.url).href;

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, next) {
  if (specifier === 'uvu' && !context.parentURL?.startsWith(WRAPPER)) return next(WRAPPER, context);
  return next(specifier, context);
}
