import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type {
  AccountSession,
  AccountTarget,
  AwsPort,
  CallerIdentity,
  OrganizationAccount,
} from '../../usecases/aws-port.js';
import { AwsCallError } from '../../usecases/aws-port.js';
import { DeadlineHandler } from './deadline-handler.js';
import { toAwsCallError } from './errors.js';
import { AwsAccountSession, type ClientConfig, type Send } from './kms-session.js';
import type { PacedOperation } from './pacer.js';
import { attempts, withEndpointOnFailure } from './sdk-middleware.js';

export interface AwsGatewayOptions {
  /** Region for STS, EC2 DescribeRegions and Organizations calls. */
  readonly homeRegion: string;
  /** Attempts per call, the first included; throttled calls back off exponentially between attempts. */
  readonly maxAttempts: number;
  /** Milliseconds a single request may wait for a connection and for its answer. */
  readonly requestTimeoutMs: number;
  readonly rates: Readonly<Record<PacedOperation, number>>;
  /** Fraction of each rate actually used, leaving room for the account's other callers. */
  readonly rateHeadroom: number;
  /** Session name for sts:AssumeRole. */
  readonly sessionName: string;
}

/**
 * The AWS adapter: the production code that talks to the AWS SDK (with kms-session.ts). Endpoints and base
 * credentials come from the SDK's standard chain. One gateway serves every scan of a process: its HTTP connections
 * are shared, each scan's clients are let go when the scan ends, and `close()` ends the rest.
 */
export class AwsGateway implements AwsPort {
  private calls = 0;
  private throttles = 0;
  private readonly options: AwsGatewayOptions;
  private readonly handler: NodeHttpHandler;
  private readonly deadlines: DeadlineHandler;
  private readonly sts: STSClient;
  private organizations: OrganizationsClient | undefined;
  private readonly sessions = new Set<AwsAccountSession>();

  constructor(options: AwsGatewayOptions) {
    this.options = options;
    const agent = { keepAlive: true, maxSockets: 512 };
    const handler = new NodeHttpHandler({
      httpAgent: new HttpAgent(agent),
      httpsAgent: new HttpsAgent(agent),
      connectionTimeout: options.requestTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
    this.handler = handler;
    this.deadlines = new DeadlineHandler(handler, options.requestTimeoutMs);
    this.sts = withEndpointOnFailure(new STSClient(this.clientConfig(undefined, options.homeRegion)));
  }

  apiCalls(): number {
    return this.calls;
  }

  throttledCalls(): number {
    return this.throttles;
  }

  async callerIdentity(): Promise<CallerIdentity> {
    const out = await this.send(() => this.sts.send(new GetCallerIdentityCommand({})));
    if (out.Account === undefined || out.Arn === undefined) {
      throw new AwsCallError('AwsError', 'InvalidResponse', 'GetCallerIdentity returned no account');
    }
    return { account: out.Account, arn: out.Arn };
  }

  async organizationAccounts(): Promise<OrganizationAccount[]> {
    // Loaded on demand: only organization discovery needs this client.
    const { OrganizationsClient, paginateListAccounts } = await import('@aws-sdk/client-organizations');
    this.organizations ??= withEndpointOnFailure(
      new OrganizationsClient(this.clientConfig(undefined, this.options.homeRegion)),
    );
    const client = this.organizations;
    const accounts: OrganizationAccount[] = [];
    const pages = paginateListAccounts({ client }, {})[Symbol.asyncIterator]();
    for (;;) {
      const step = await this.send(() => pages.next());
      if (step.done) break;
      for (const a of step.value.Accounts ?? []) {
        if (a.Id === undefined) continue;
        accounts.push({
          id: a.Id,
          name: a.Name ?? a.Id,
          status: a.Status ?? a.State ?? 'UNKNOWN',
          organizationId: /:account\/(o-[a-z0-9]+)\//.exec(a.Arn ?? '')?.[1] ?? null,
        });
      }
    }
    return accounts;
  }

  async openAccount(target: AccountTarget): Promise<AccountSession> {
    const credentials =
      target.roleArn === undefined ? undefined : await this.assumeRole(target.roleArn, target.externalId);
    const session = new AwsAccountSession(this.options, (region) => this.clientConfig(credentials, region), this.send, {
      onClose: () => this.sessions.delete(session),
      onThrottled: () => {
        this.throttles++;
      },
    });
    this.sessions.add(session);
    return session;
  }

  /** Ends every client and connection the gateway holds; it cannot be used afterwards. */
  close(): void {
    for (const session of this.sessions) session.close();
    this.organizations?.destroy();
    this.sts.destroy();
    this.handler.destroy();
  }

  /** Assumes the role once now (so a denial is reported per account) and again whenever the SDK finds the credentials close to expiry. */
  private async assumeRole(roleArn: string, externalId: string | undefined): Promise<AwsCredentialIdentityProvider> {
    const assume = async (): Promise<AwsCredentialIdentity> => {
      const out = await this.send(() =>
        this.sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: this.options.sessionName,
            ...(externalId ? { ExternalId: externalId } : {}),
          }),
        ),
      );
      const c = out.Credentials;
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) {
        throw new AwsCallError(
          'AssumeRoleDenied',
          'InvalidResponse',
          `AssumeRole on ${roleArn} returned no credentials`,
        );
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    };
    let current = await assume();
    return async () => {
      const expiresAt = current.expiration?.getTime();
      if (expiresAt !== undefined && expiresAt - Date.now() < 5 * 60_000) current = await assume();
      return current;
    };
  }

  private clientConfig(credentials: AwsCredentialIdentityProvider | undefined, region: string): ClientConfig {
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      retryMode: 'standard',
      requestHandler: this.deadlines,
      // Reuse each command's resolved middleware instead of rebuilding it per call (calls pass no options).
      cacheMiddleware: true,
      ...(credentials ? { credentials } : {}),
    };
  }

  private readonly send: Send = async (run) => {
    try {
      const out = await run();
      this.calls += attempts(out);
      return out;
    } catch (error) {
      this.calls += attempts(error);
      throw toAwsCallError(error);
    }
  };
}
