/** A loopback stand-in for the AWS APIs kms-sentinel calls, answering the real AWS SDK v3 clients on one port. */
import { EventEmitter } from 'node:events';
import { eventBridgeBody, type KmsChange } from './cloudtrail.js';
import { Ec2Service } from './ec2.js';
import { CredentialStore } from './identity.js';
import { KmsService } from './kms.js';
import { OrganizationsService } from './organizations.js';
import { RateLimiter } from './rate-limiter.js';
import { Router, type SandboxEvents } from './router.js';
import { SecurityHubService } from './security-hub.js';
import { listen } from './server.js';
import { SqsService } from './sqs.js';
import { type SandboxStats, StatsCounter } from './stats.js';
import { StsService } from './sts.js';
import type { KmsOperation, World, WorldGrant } from './world.js';
import { type KeyRecord, WorldIndex } from './world-index.js';

export type { SandboxEvents } from './router.js';
export type { SandboxStats } from './stats.js';
export type * from './world.js';

export const DEFAULT_ACCESS_KEY_ID = 'AKIAIOSFODNN7SANDBOX';
const KMS_TARGET = 'TrentService.';

/** Any secret is accepted; this one is what `env` hands out. */
export const SANDBOX_SECRET_ACCESS_KEY = 'sandbox/secret/access/key/any/value/works';

export interface Sandbox {
  /** http://127.0.0.1:PORT — every service answers on it. */
  readonly url: string;
  /** Endpoint, credential and region settings that point the AWS SDK at the sandbox. */
  readonly env: Readonly<Record<string, string>>;
  stats(): SandboxStats;
  resetStats(): void;
  /** The key's current policy and grants (copies), as PutKeyPolicy/RevokeGrant left them; undefined for an unknown key. */
  keyState(accountId: string, region: string, keyId: string): { policy: string; grants: WorldGrant[] } | undefined;
  /** Replaces a key's policy as PutKeyPolicy would; throws for an unknown key. */
  setKeyPolicy(accountId: string, region: string, keyId: string, policy: string): void;
  /** Takes a grant off a key as RevokeGrant would; throws for an unknown key. */
  removeGrant(accountId: string, region: string, keyId: string, grantId: string): void;
  /** Adds a grant to a key as CreateGrant would; throws for an unknown key. */
  addGrant(accountId: string, region: string, keyId: string, grant: WorldGrant): void;
  /**
   * From now on, each KMS change (PutKeyPolicy and RevokeGrant calls, and the three changes above, made as a person
   * would) is put on this queue as the CloudTrail event EventBridge would deliver: the near-real-time pipeline.
   */
  forwardEvents(queueUrl: string): void;
  /** The next `times` (default 1) calls of a KMS operation answer this AWS error code instead. */
  failNext(operation: KmsOperation, code: string, message?: string, times?: number): void;
  /**
   * Holds the next request of a KMS operation before it is carried out: `arrived` resolves when it comes in, and it
   * is carried out and answered on `release()` (never, when the sandbox stops first).
   */
  holdNext(operation: KmsOperation): HeldRequest;
  /** `hang`: a request arrived that will never be answered (a hanging region); `throttle`: a request got ThrottlingException. */
  readonly events: EventEmitter<SandboxEvents>;
  /** Makes an SQS queue (standard) in `account` (default the caller's); returns its URL, on the sandbox's own host. */
  createQueue(
    name: string,
    account?: string,
    options?: {
      visibilitySeconds?: number;
      /** A queue made before, that messages received `maxReceiveCount` (default 10) times move to. */
      deadLetterQueueUrl?: string;
      maxReceiveCount?: number;
    },
  ): string;
  /**
   * The next `times` (default 1) findings BatchImportFindings is given (with `id`: the next imports of that finding)
   * fail with this error code, in FailedFindings.
   */
  failNextFindings(code: string, message?: string, times?: number, id?: string): void;
  /** Security Hub is not enabled in this account from now on: every finding imported there fails (InvalidAccess). */
  disableSecurityHub(account: string): void;
  /** Every finding Security Hub holds in an account and region (copies), in the order they were created. */
  securityHubFindings(account: string, region: string): Record<string, unknown>[];
  /** Puts a message on a queue, as EventBridge would; returns its message ID. */
  sendMessage(queueUrl: string, body: string): string;
  /** Messages waiting to be received, and in flight (received, not deleted, not yet visible again). */
  queueDepth(queueUrl: string): { visible: number; inFlight: number };
  /** Closes every socket, requests still waiting (hanging, delayed, long polls) included. */
  stop(): Promise<void>;
}

/** A request a test holds (see Sandbox.holdNext). */
export interface HeldRequest {
  readonly arrived: Promise<void>;
  release(): void;
}

interface Hold {
  readonly arrive: () => void;
  readonly released: Promise<void>;
}

function firstRegion(world: World): string {
  const caller = world.accounts.find((account) => account.id === world.callerAccount);
  return (caller ?? world.accounts[0])?.regions[0]?.name ?? 'us-east-1';
}

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Epoch ms the quotas and credential expiry go by. Default Date.now; tests pass a clock they move. */
  clock?: () => number;
}

export async function startSandbox(world: World, options: SandboxOptions = {}): Promise<Sandbox> {
  const index = new WorldIndex(world);
  const accessKeyId = world.callerAccessKeyId ?? DEFAULT_ACCESS_KEY_ID;
  const credentials = new CredentialStore({
    accessKeyId,
    account: world.callerAccount,
    arn: world.callerArn ?? `arn:aws:iam::${world.callerAccount}:user/sandbox`,
  });
  const stats = new StatsCounter();
  const events = new EventEmitter<SandboxEvents>();
  const kms = new KmsService(index, new RateLimiter(), world);
  const sqs = new SqsService(options.clock ?? Date.now);
  const securityHub = new SecurityHubService();
  let forwardTo: string | undefined;
  const clockNow = options.clock ?? Date.now;
  kms.onChange = (change) => {
    if (forwardTo !== undefined) sqs.send(forwardTo, eventBridgeBody(change, new Date(clockNow())));
  };
  /** A change made through the sandbox's own methods: a person in the key's account, at the console. */
  const byPerson = (
    record: KeyRecord,
    change: Pick<KmsChange, 'eventName' | 'requestParameters' | 'responseElements'>,
  ) =>
    kms.onChange?.({
      ...change,
      account: record.account,
      region: record.region,
      keyArn: record.arn,
      callerArn: `arn:aws:iam::${record.account}:user/console-admin`,
    });
  const router = new Router({
    credentials,
    stats,
    events,
    kms,
    sts: new StsService(index, credentials),
    organizations: new OrganizationsService(world),
    ec2: new Ec2Service(index),
    sqs,
    securityHub,
  });
  const holds = new Map<string, Hold[]>();
  let stopped = false;
  const server = await listen(router, {
    gate: (headers) => {
      const target = headers['x-amz-target'];
      const operation =
        typeof target === 'string' && target.startsWith(KMS_TARGET) ? target.slice(KMS_TARGET.length) : '';
      const hold = holds.get(operation)?.shift();
      if (hold === undefined) return undefined;
      hold.arrive();
      // Released after the sandbox stopped: it is never carried out.
      return hold.released.then(() => (stopped ? new Promise<void>(() => {}) : undefined));
    },
    clock: options.clock ?? Date.now,
    onHang: () => events.emit('hang'),
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    latencyMs: world.latencyMs ?? 0,
  });
  return {
    url: server.url,
    env: {
      AWS_ENDPOINT_URL_KMS: server.url,
      AWS_ENDPOINT_URL_STS: server.url,
      AWS_ENDPOINT_URL_ORGANIZATIONS: server.url,
      AWS_ENDPOINT_URL_EC2: server.url,
      AWS_ENDPOINT_URL_SQS: server.url,
      AWS_ENDPOINT_URL_SECURITYHUB: server.url,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_SECRET_ACCESS_KEY,
      AWS_REGION: firstRegion(world),
    },
    events,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    keyState(accountId, region, keyId) {
      const record = index.findKey(accountId, region, keyId);
      return record && { policy: record.policy, grants: structuredClone(record.grants) };
    },
    setKeyPolicy(accountId, region, keyId, policy) {
      const record = index.findKey(accountId, region, keyId);
      if (record === undefined) throw new Error(`sandbox: no key ${keyId} in ${accountId}/${region}`);
      record.policy = policy;
      byPerson(record, {
        eventName: 'PutKeyPolicy',
        requestParameters: { keyId, policyName: 'default', policy, bypassPolicyLockoutSafetyCheck: false },
        responseElements: null,
      });
    },
    removeGrant(accountId, region, keyId, grantId) {
      const record = index.findKey(accountId, region, keyId);
      if (record === undefined) throw new Error(`sandbox: no key ${keyId} in ${accountId}/${region}`);
      record.grants = record.grants.filter((g) => g.grantId !== grantId);
      byPerson(record, { eventName: 'RevokeGrant', requestParameters: { keyId, grantId }, responseElements: null });
    },
    addGrant(accountId, region, keyId, grant) {
      const record = index.findKey(accountId, region, keyId);
      if (record === undefined) throw new Error(`sandbox: no key ${keyId} in ${accountId}/${region}`);
      record.grants = [...record.grants, structuredClone(grant)];
      byPerson(record, {
        eventName: 'CreateGrant',
        requestParameters: {
          keyId: record.arn,
          granteePrincipal: grant.granteePrincipal,
          operations: grant.operations,
        },
        responseElements: { grantId: grant.grantId, keyId: record.arn },
      });
    },
    forwardEvents(queueUrl) {
      forwardTo = new URL(queueUrl).pathname;
    },
    failNext(operation, code, message = `injected ${code}`, times = 1) {
      kms.failNext(operation, code, message, times);
    },
    createQueue(name, account = world.callerAccount, options = {}) {
      sqs.origin = server.url;
      const deadLetter =
        options.deadLetterQueueUrl === undefined ? undefined : new URL(options.deadLetterQueueUrl).pathname;
      return `${server.url}${sqs.createQueue(account, name, {
        ...(options.visibilitySeconds === undefined ? {} : { visibilitySeconds: options.visibilitySeconds }),
        ...(deadLetter === undefined
          ? {}
          : { redrive: { deadLetterPath: deadLetter, maxReceiveCount: options.maxReceiveCount ?? 10 } }),
      })}`;
    },
    failNextFindings(code, message = `injected ${code}`, times = 1, id = undefined) {
      securityHub.failNext(code, message, times, id);
    },
    disableSecurityHub: (account) => securityHub.disable(account),
    securityHubFindings: (account, region) => securityHub.findings(account, region),
    sendMessage(queueUrl, body) {
      return sqs.send(new URL(queueUrl).pathname, body);
    },
    queueDepth(queueUrl) {
      return sqs.depth(new URL(queueUrl).pathname);
    },
    holdNext(operation) {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const queue = holds.get(operation) ?? [];
      queue.push({ arrive, released });
      holds.set(operation, queue);
      return { arrived, release: () => release() };
    },
    stop: () => {
      stopped = true;
      sqs.stop();
      return server.stop();
    },
  };
}
