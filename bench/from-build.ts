/** Loads a module from dist/, the compiled code users run; `npm run bench` builds it first. */
export async function fromBuild<T>(path: string): Promise<T> {
  return (await import(new URL(`../dist/${path}`, import.meta.url).href)) as T;
}
