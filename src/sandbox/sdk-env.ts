/** Settings from the user's shell that would steer the SDK away from the sandbox's endpoints and credentials. */
const SHADOWED = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_DEFAULT_REGION'];

/**
 * Points the AWS SDK at the sandbox through its standard settings (endpoint, credential and region variables in
 * process.env), exactly as a user would point it at LocalStack. Returns the function that puts everything back.
 */
export function pointSdkAt(env: Readonly<Record<string, string>>): () => void {
  const names = [...Object.keys(env), ...SHADOWED];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  for (const name of SHADOWED) delete process.env[name];
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
