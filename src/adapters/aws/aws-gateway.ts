import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  paginateListAliases,
  paginateListGrants,
  paginateListKeys,
} from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import type {
  AccountSession,
  AccountTarget,
  AwsPort,
  CallerIdentity,
  GrantListEntry,
  KeyDescription,
  OrganizationAccount,
  RegionSession,
} from '../../usecases/aws-port.js';
import { AwsCallError } from '../../usecases/aws-port.js';
import { DeadlineHandler } from './deadline-handler.js';
import { toAwsCallError } from './errors.js';
import { type PacedOperation, Pacer } from './pacer.js';

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

type Send = <T>(run: () => Promise<T>) => Promise<T>;

/** The AWS adapter: the only code that talks to the AWS SDK. Endpoints and base credentials come from the SDK's standard chain. */
export class AwsGateway implements AwsPort {
  private calls = 0;
  private readonly options: AwsGatewayOptions;
  private readonly deadlines: DeadlineHandler;
  private readonly sts: STSClient;

  constructor(options: AwsGatewayOptions) {
    silenceNodeVersionNotice();
    this.options = options;
    const agent = { keepAlive: true, maxSockets: 512 };
    const handler = new NodeHttpHandler({
      httpAgent: new HttpAgent(agent),
      httpsAgent: new HttpsAgent(agent),
      connectionTimeout: options.requestTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
    this.deadlines = new DeadlineHandler(handler, options.requestTimeoutMs);
    this.sts = withEndpointOnFailure(new STSClient(this.clientConfig(undefined, options.homeRegion)));
  }

  apiCalls(): number {
    return this.calls;
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
    const client = withEndpointOnFailure(
      new OrganizationsClient(this.clientConfig(undefined, this.options.homeRegion)),
    );
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
    return new AwsAccountSession(this.options, (region) => this.clientConfig(credentials, region), this.send);
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

  private clientConfig(credentials: AwsCredentialIdentityProvider | undefined, region: string) {
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

  /** Runs one SDK call (all its retries included), counts the requests it sent, and classifies its failure. */
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

/**
 * The SDK warns, on any Node.js below 22, that its releases after January 2027 will need Node.js 22. kms-sentinel
 * supports Node.js 20 on purpose, and the notice would land in every command's output, so it is turned off here,
 * by the SDK's own switch, unless the user set that switch. No other warning is touched.
 */
function silenceNodeVersionNotice(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22 && !process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
}

/**
 * Requests one SDK call sent, retries included, from its output's metadata (for a paginator step, its page's; the
 * step that only says the pages are done sent nothing).
 */
function attempts(value: unknown): number {
  type Metadata = { $metadata?: { attempts?: number } };
  const v = value as (Metadata & { done?: boolean; value?: Metadata }) | undefined;
  if (v?.done === true) return 0;
  return v?.$metadata?.attempts ?? v?.value?.$metadata?.attempts ?? 1;
}

/**
 * Paces every request the client sends, retries included: the middleware sits inside the SDK's retry loop, waits
 * for its operation's slot, and tells the pacer whether AWS throttled the attempt. It also stops waiting once the
 * region's deadline passes, with an error the SDK does not retry.
 */
function pace(client: KMSClient, pacer: Pacer, signal: AbortSignal): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      try {
        await pacer.slot(operation, signal);
        const result = await beforeDeadline(next(args), signal);
        pacer.succeeded(operation);
        return result;
      } catch (error) {
        if (signal.aborted) throw deadlinePassed();
        if ((error as { name?: string }).name === 'ThrottlingException') pacer.throttled(operation);
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'kmsSentinelPacing' },
  );
}

/**
 * Names the endpoint a failed request went to (`$endpoint` on the error), so that "connection refused" can say
 * where: the URL comes from the SDK's own endpoint resolution (AWS_ENDPOINT_URL_*, the region), never from here.
 */
function withEndpointOnFailure<C extends { middlewareStack: object }>(client: C): C {
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

/** Settles like `work`, or rejects as soon as the signal aborts; the listener goes away either way. */
function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(deadlinePassed());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadlinePassed());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function deadlinePassed(): Error {
  const error = new Error("the region's scan deadline passed (scan.regionTimeoutSeconds)");
  error.name = 'AbortError';
  return error;
}

type ClientConfig = ReturnType<AwsGateway['clientConfig']>;

class AwsAccountSession implements AccountSession {
  private readonly options: AwsGatewayOptions;
  private readonly config: (region: string) => ClientConfig;
  private readonly send: Send;

  constructor(options: AwsGatewayOptions, config: (region: string) => ClientConfig, send: Send) {
    this.options = options;
    this.config = config;
    this.send = send;
  }

  async enabledRegions(): Promise<string[]> {
    // Loaded on demand: the EC2 client is large, and only `regions: all` needs it.
    const { DescribeRegionsCommand, EC2Client } = await import('@aws-sdk/client-ec2');
    const ec2 = withEndpointOnFailure(new EC2Client(this.config(this.options.homeRegion)));
    const out = await this.send(() => ec2.send(new DescribeRegionsCommand({ AllRegions: true })));
    return (out.Regions ?? [])
      .filter((r) => r.OptInStatus !== 'not-opted-in' && r.RegionName !== undefined)
      .map((r) => r.RegionName as string)
      .sort();
  }

  region(name: string, signal: AbortSignal): RegionSession {
    // Every call in flight listens for the region's deadline on this one signal.
    setMaxListeners(10_000, signal);
    const kms = withEndpointOnFailure(new KMSClient(this.config(name)));
    pace(kms, new Pacer(this.options.rates, this.options.rateHeadroom), signal);
    return new AwsRegionSession(kms, signal, this.send);
  }
}

/** One account-region: one KMS client, paced per operation (see `pace`). */
class AwsRegionSession implements RegionSession {
  private readonly client: KMSClient;
  private readonly signal: AbortSignal;
  private readonly send: Send;

  constructor(client: KMSClient, signal: AbortSignal, send: Send) {
    this.client = client;
    this.signal = signal;
    this.send = send;
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw toAwsCallError(deadlinePassed());
    return this.send(run);
  }

  async listKeyIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.pages((client) => paginateListKeys({ client }, { Limit: 1000 }))) {
      for (const key of page.Keys ?? []) if (key.KeyId) ids.push(key.KeyId);
    }
    return ids;
  }

  async aliasesByKey(): Promise<Map<string, string[]>> {
    const byKey = new Map<string, string[]>();
    for await (const page of this.pages((client) => paginateListAliases({ client }, { Limit: 100 }))) {
      for (const alias of page.Aliases ?? []) {
        if (alias.TargetKeyId === undefined || alias.AliasName === undefined) continue;
        byKey.set(alias.TargetKeyId, [...(byKey.get(alias.TargetKeyId) ?? []), alias.AliasName]);
      }
    }
    return byKey;
  }

  async describeKey(keyId: string): Promise<KeyDescription> {
    const out = await this.call(() => this.client.send(new DescribeKeyCommand({ KeyId: keyId })));
    const m = out.KeyMetadata;
    if (m?.KeyId === undefined)
      throw new AwsCallError('AwsError', 'InvalidResponse', `DescribeKey ${keyId} returned no metadata`);
    return {
      keyId: m.KeyId,
      keyArn: m.Arn ?? keyId,
      keyManager: m.KeyManager ?? 'CUSTOMER',
      keyState: m.KeyState ?? 'Unknown',
      multiRegion: m.MultiRegion ?? false,
      multiRegionKeyType: m.MultiRegionConfiguration?.MultiRegionKeyType ?? null,
    };
  }

  async getKeyPolicy(keyId: string): Promise<string> {
    const out = await this.call(() =>
      this.client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })),
    );
    if (out.Policy === undefined)
      throw new AwsCallError('AwsError', 'InvalidResponse', `GetKeyPolicy ${keyId} returned no policy`);
    return out.Policy;
  }

  async listGrants(keyId: string): Promise<GrantListEntry[]> {
    const grants: GrantListEntry[] = [];
    for await (const page of this.pages((client) => paginateListGrants({ client }, { KeyId: keyId, Limit: 100 }))) {
      for (const g of page.Grants ?? []) {
        if (g.GrantId === undefined || g.GranteePrincipal === undefined) continue;
        grants.push({
          grantId: g.GrantId,
          name: g.Name || null,
          granteePrincipal: g.GranteePrincipal,
          retiringPrincipal: g.RetiringPrincipal ?? null,
          issuingAccount: g.IssuingAccount ?? null,
          operations: g.Operations ?? [],
        });
      }
    }
    return grants;
  }

  /** Walks an SDK paginator; the pages' own metadata counts the requests sent. */
  private async *pages<T extends { $metadata: { attempts?: number } }>(
    paginate: (client: KMSClient) => AsyncIterable<T>,
  ): AsyncGenerator<T> {
    const iterator = paginate(this.client)[Symbol.asyncIterator]();
    for (;;) {
      const step = await this.call(() => iterator.next());
      if (step.done) return;
      yield step.value;
    }
  }
}
