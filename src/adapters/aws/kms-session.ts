import { setMaxListeners } from 'node:events';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  paginateListAliases,
  paginateListGrants,
  paginateListKeys,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { unlessAborted } from '../../usecases/abortable.js';
import type { AccountSession, GrantListEntry, KeyDescription, RegionSession } from '../../usecases/aws-port.js';
import { AwsCallError } from '../../usecases/aws-port.js';
import type { DeadlineHandler } from './deadline-handler.js';
import { toAwsCallError } from './errors.js';
import { type PacedOperation, Pacer } from './pacer.js';
import { withEndpointOnFailure } from './sdk-middleware.js';

/** Runs one SDK call (all its retries included), counts the requests it sent, and classifies its failure. */
export type Send = <T>(run: () => Promise<T>) => Promise<T>;

export interface SessionOptions {
  readonly homeRegion: string;
  readonly rates: Readonly<Record<PacedOperation, number>>;
  readonly rateHeadroom: number;
}

/**
 * Paces every request the client sends, retries included: the middleware sits inside the SDK's retry loop, waits
 * for its operation's slot, and tells the pacer whether AWS throttled the attempt. It also stops waiting once the
 * region's deadline passes, with an error the SDK does not retry.
 */
function pace(client: KMSClient, pacer: Pacer, signal: AbortSignal, onThrottled: () => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      try {
        await pacer.slot(operation, signal);
        const result = await unlessAborted(next(args), signal, deadlinePassed);
        pacer.succeeded(operation);
        return result;
      } catch (error) {
        if (signal.aborted) throw deadlinePassed();
        if ((error as { name?: string }).name === 'ThrottlingException') {
          pacer.throttled(operation);
          onThrottled();
        }
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'kmsSentinelPacing' },
  );
}

function deadlinePassed(): Error {
  const error = new Error("the region's scan deadline passed (scan.regionTimeoutSeconds)");
  error.name = 'AbortError';
  return error;
}

/** The reads of one key, and how far ahead of their slots they may start. */
const KEY_READS = ['DescribeKey', 'GetKeyPolicy', 'ListGrants'] as const;
const KEY_LOOKAHEAD_MS = 50;

/** What every client of the gateway is built with: the shared handler, retries, and the account's credentials. */
export interface ClientConfig {
  readonly region: string;
  readonly maxAttempts: number;
  readonly retryMode: 'standard';
  readonly requestHandler: DeadlineHandler;
  readonly cacheMiddleware: true;
  readonly credentials?: AwsCredentialIdentityProvider;
}

export class AwsAccountSession implements AccountSession {
  private readonly options: SessionOptions;
  private readonly config: (region: string) => ClientConfig;
  private readonly send: Send;
  private ec2: EC2Client | undefined;
  private readonly regions = new Set<AwsRegionSession>();

  private readonly onClose: () => void;
  private readonly onThrottled: () => void;

  constructor(
    options: SessionOptions,
    config: (region: string) => ClientConfig,
    send: Send,
    hooks: { onClose: () => void; onThrottled: () => void },
  ) {
    this.options = options;
    this.config = config;
    this.send = send;
    this.onClose = hooks.onClose;
    this.onThrottled = hooks.onThrottled;
  }

  async enabledRegions(): Promise<string[]> {
    // Loaded on demand: the EC2 client is large, and only `regions: all` needs it.
    const { DescribeRegionsCommand, EC2Client } = await import('@aws-sdk/client-ec2');
    this.ec2 ??= withEndpointOnFailure(new EC2Client(this.config(this.options.homeRegion)));
    const ec2 = this.ec2;
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
    const pacer = new Pacer(this.options.rates, this.options.rateHeadroom);
    pace(kms, pacer, signal, this.onThrottled);
    const session = new AwsRegionSession(kms, pacer, signal, this.send, () => this.regions.delete(session));
    this.regions.add(session);
    return session;
  }

  close(): void {
    for (const region of this.regions) region.close();
    this.ec2?.destroy();
    this.ec2 = undefined;
    this.onClose();
  }
}

/** One account-region: one KMS client, paced per operation (see `pace`). */
class AwsRegionSession implements RegionSession {
  private readonly client: KMSClient;
  private readonly pacer: Pacer;
  private readonly signal: AbortSignal;
  private readonly send: Send;
  private readonly onClose: () => void;

  constructor(client: KMSClient, pacer: Pacer, signal: AbortSignal, send: Send, onClose: () => void) {
    this.client = client;
    this.pacer = pacer;
    this.signal = signal;
    this.send = send;
    this.onClose = onClose;
  }

  /** The client's connections belong to the gateway's shared handler, which outlives it. */
  close(): void {
    this.client.destroy();
    this.onClose();
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw toAwsCallError(deadlinePassed());
    return this.send(run);
  }

  async keyTurn(): Promise<void> {
    await this.pacer.admit(KEY_READS, KEY_LOOKAHEAD_MS, this.signal).catch((error: unknown) => {
      throw toAwsCallError(this.signal.aborted ? deadlinePassed() : error);
    });
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

  async putKeyPolicy(keyId: string, policy: string): Promise<void> {
    await this.call(() =>
      this.client.send(
        new PutKeyPolicyCommand({
          KeyId: keyId,
          PolicyName: 'default',
          Policy: policy,
          BypassPolicyLockoutSafetyCheck: false,
        }),
      ),
    );
  }

  async revokeGrant(keyId: string, grantId: string): Promise<void> {
    await this.call(() => this.client.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: grantId })));
  }

  async listResourceTags(keyId: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let marker: string | undefined;
    do {
      const out = await this.call(() =>
        this.client.send(
          new ListResourceTagsCommand({ KeyId: keyId, Limit: 50, ...(marker ? { Marker: marker } : {}) }),
        ),
      );
      for (const t of out.Tags ?? []) if (t.TagKey !== undefined) tags[t.TagKey] = t.TagValue ?? '';
      marker = out.Truncated ? out.NextMarker : undefined;
    } while (marker !== undefined);
    return tags;
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
