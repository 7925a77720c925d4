import type { Config } from '../config/schema.js';

/** The AWS gateway's settings, from the config and the environment's home region. */
export async function gatewayOptions(config: Config, env: Readonly<Record<string, string | undefined>>) {
  const { DEFAULT_KMS_RATES } = await import('../adapters/aws/pacer.js');
  return {
    homeRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    maxAttempts: config.scan.maxAttempts,
    requestTimeoutMs: config.scan.requestTimeoutSeconds * 1000,
    rates: { ...DEFAULT_KMS_RATES, ...config.scan.rateLimits },
    rateHeadroom: config.scan.rateHeadroom,
    sessionName: 'kms-sentinel',
  };
}
