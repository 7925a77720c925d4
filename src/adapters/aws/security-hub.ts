import { BatchImportFindingsCommand, type Partition, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type AsffFinding, partitionOf, type SecurityHubTarget } from '../../core/exports/asff.js';
import { AwsCallError } from '../../usecases/aws-port.js';
import type { ImportFailure, SecurityHubPort } from '../../usecases/security-hub/port.js';
import { DeadlineHandler } from './deadline-handler.js';
import { toAwsCallError } from './errors.js';
import { withEndpointOnFailure } from './sdk-middleware.js';

export interface SecurityHubOptions {
  /** The hub's region; undefined: the SDK's own (AWS_REGION, the profile). */
  readonly region: string | undefined;
  /** Milliseconds one request may take, connection and answer included. */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included (the SDK retries throttling and server errors). */
  readonly maxAttempts: number;
}

/**
 * Security Hub through the AWS SDK: the only code that imports its client. The endpoint and credentials follow the
 * SDK's standard settings (AWS_ENDPOINT_URL_SECURITYHUB, AWS_ENDPOINT_URL, the credential chain), so the same client
 * runs against Security Hub, LocalStack or the sandbox. Every request has a deadline.
 */
export class AwsSecurityHub implements SecurityHubPort {
  private readonly client: SecurityHubClient;
  private readonly sts: STSClient;
  private readonly handler: NodeHttpHandler;
  private identity: Promise<SecurityHubTarget> | undefined;

  constructor(options: SecurityHubOptions) {
    this.handler = new NodeHttpHandler({
      connectionTimeout: options.requestTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
    const config = {
      ...(options.region === undefined ? {} : { region: options.region }),
      maxAttempts: options.maxAttempts,
      retryMode: 'standard' as const,
      requestHandler: new DeadlineHandler(this.handler, options.requestTimeoutMs),
    };
    this.client = withEndpointOnFailure(new SecurityHubClient(config));
    this.sts = withEndpointOnFailure(new STSClient(config));
  }

  /** The credentials' own account (sts:GetCallerIdentity, asked once), the client's region and their partition. */
  target(): Promise<SecurityHubTarget> {
    this.identity ??= (async () => {
      try {
        const [who, region] = await Promise.all([
          this.sts.send(new GetCallerIdentityCommand({})),
          this.client.config.region(),
        ]);
        if (who.Account === undefined || who.Arn === undefined) {
          throw new AwsCallError('AwsError', 'InvalidResponse', 'GetCallerIdentity returned no account');
        }
        return { accountId: who.Account, region, partition: partitionOf(who.Arn) };
      } catch (error) {
        this.identity = undefined;
        throw toAwsCallError(error);
      }
    })();
    return this.identity;
  }

  async importFindings(findings: readonly AsffFinding[], signal?: AbortSignal): Promise<readonly ImportFailure[]> {
    try {
      const out = await this.client.send(
        new BatchImportFindingsCommand({
          // The SDK names the partitions it knows; the key's is passed on as it is.
          Findings: findings.map((f) => ({
            ...f,
            Resources: f.Resources.map((r) => ({ ...r, Partition: r.Partition as Partition })),
          })),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return (out.FailedFindings ?? []).map((f) => ({
        id: f.Id ?? '',
        code: f.ErrorCode ?? 'Unknown',
        message: f.ErrorMessage ?? 'Security Hub gave no reason',
      }));
    } catch (error) {
      throw toAwsCallError(error);
    }
  }

  close(): void {
    this.client.destroy();
    this.sts.destroy();
    this.handler.destroy();
  }
}
