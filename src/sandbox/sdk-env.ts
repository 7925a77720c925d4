/** Settings from the user's shell that would steer the SDK away from the sandbox's endpoints and credentials. */
const SHADOWED = [
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_DEFAULT_REGION',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/**
 * An environment in which the AWS SDK talks to the sandbox and to nothing else: `base` without the settings that
 * would steer it elsewhere, with the user's ~/.aws files hidden, and the sandbox's endpoints, credentials and region.
 */
export function sandboxEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  sandbox: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  for (const name of SHADOWED) delete env[name];
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...sandbox };
}

/**
 * Points the AWS SDK at the sandbox through its standard settings (endpoint, credential and region variables in
 * process.env), exactly as a user would point it at LocalStack. Returns the function that puts everything back.
 */
export function pointSdkAt(env: Readonly<Record<string, string>>): () => void {
  const names = [...Object.keys(env), ...SHADOWED, 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  const wanted = sandboxEnvironment(process.env, env);
  for (const name of SHADOWED) delete process.env[name];
  Object.assign(process.env, wanted);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
