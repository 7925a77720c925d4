import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { EC2_NAMESPACE, EC2_VERSION, type Ec2Service } from './ec2.js';
import { AwsFault } from './fault.js';
import { type Caller, type CredentialStore, parseSignedScope } from './identity.js';
import { jsonFault, jsonReply, parseJsonInput } from './json-protocol.js';
import type { KmsService } from './kms.js';
import type { OrganizationsService } from './organizations.js';
import { ec2Fault, ec2Reply, stsFault, stsReply } from './query-protocol.js';
import { HANG, type Reply } from './reply.js';
import { type SecurityHubService, securityHubFault, securityHubReply } from './security-hub.js';
import { SQS_TARGET, type SqsService, sqsFault, sqsReply } from './sqs.js';
import type { StatsCounter } from './stats.js';
import { STS_NAMESPACE, STS_VERSION, type StsService } from './sts.js';

/**
 * What a sandbox tells its observers: a request arrived (`service:Operation`, before it is answered), a request that
 * will never be answered, a request over its quota.
 */
export interface SandboxEvents {
  request: [operation: string];
  hang: [];
  throttle: [operation: string];
}

export interface Services {
  readonly credentials: CredentialStore;
  readonly stats: StatsCounter;
  readonly events: EventEmitter<SandboxEvents>;
  readonly kms: KmsService;
  readonly sts: StsService;
  readonly organizations: OrganizationsService;
  readonly ec2: Ec2Service;
  readonly sqs: SqsService;
  readonly securityHub: SecurityHubService;
}

export interface Request {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly requestId: string;
  /** Epoch ms, from the sandbox's clock. */
  readonly now: number;
  /** The request line's method and path (REST protocols route by them). */
  readonly method?: string | undefined;
  readonly path?: string | undefined;
}

type Service = 'kms' | 'organizations' | 'sts' | 'ec2' | 'sqs' | 'securityhub';

const JSON_TARGETS: Record<string, Service> = {
  TrentService: 'kms',
  AWSOrganizationsV20161128: 'organizations',
  [SQS_TARGET]: 'sqs',
};
const QUERY_VERSIONS: Record<string, Service> = { [STS_VERSION]: 'sts', [EC2_VERSION]: 'ec2' };

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';
/** What each service answers when the signature is missing, names an unknown access key, or an expired session. */
const AUTH_FAULTS: Record<Service, Record<'missing' | 'unknown' | 'expired', () => AwsFault>> = {
  kms: {
    missing: () => new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token'),
    unknown: () => new AwsFault('UnrecognizedClientException', INVALID_TOKEN),
    expired: () => new AwsFault('ExpiredTokenException', EXPIRED_TOKEN),
  },
  organizations: {
    missing: () => new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token'),
    unknown: () => new AwsFault('UnrecognizedClientException', INVALID_TOKEN),
    expired: () => new AwsFault('ExpiredTokenException', EXPIRED_TOKEN),
  },
  sts: {
    missing: () => new AwsFault('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
    unknown: () => new AwsFault('InvalidClientTokenId', INVALID_TOKEN, 403),
    expired: () => new AwsFault('ExpiredToken', EXPIRED_TOKEN, 403),
  },
  sqs: {
    missing: () => new AwsFault('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
    unknown: () => new AwsFault('InvalidClientTokenId', INVALID_TOKEN, 403),
    expired: () => new AwsFault('ExpiredToken', EXPIRED_TOKEN, 403),
  },
  securityhub: {
    missing: () => new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
    unknown: () => new AwsFault('UnrecognizedClientException', INVALID_TOKEN, 403),
    expired: () => new AwsFault('ExpiredTokenException', EXPIRED_TOKEN, 403),
  },
  ec2: {
    missing: () => new AwsFault('MissingAuthenticationToken', 'Request is missing Authentication Token', 401),
    unknown: () => new AwsFault('AuthFailure', 'AWS was not able to validate the provided access credentials', 401),
    expired: () => new AwsFault('RequestExpired', 'Request has expired.'),
  },
};

/** A table's own entry only: a request naming "constructor" finds nothing. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Picks the service by `X-Amz-Target` prefix (JSON 1.1) or by the form's `Version` (query), then answers. */
export class Router {
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  route(request: Request): Reply | typeof HANG | Promise<Reply> {
    const target = header(request.headers, 'x-amz-target');
    if (target !== undefined) return this.#routeJson(target, request);
    const path = (request.path ?? '/').split('?')[0] ?? '/';
    if (request.method === 'POST' && path.startsWith('/findings')) return this.#routeSecurityHub(path, request);
    const params = new URLSearchParams(request.body);
    const service = lookup(QUERY_VERSIONS, params.get('Version') ?? '');
    const action = params.get('Action') ?? '';
    if (service === 'sts') {
      return this.#answer('sts', action, request, (caller) =>
        stsReply(
          action,
          STS_NAMESPACE,
          this.#services.sts.handle(action, params, caller, request.now),
          request.requestId,
        ),
      );
    }
    if (service === 'ec2') {
      return this.#answer('ec2', action, request, (caller) =>
        ec2Reply(action, EC2_NAMESPACE, this.#services.ec2.handle(action, params, caller), request.requestId),
      );
    }
    return jsonFault(new AwsFault('UnknownOperationException', 'The request names no operation this sandbox serves.'));
  }

  #routeJson(target: string, request: Request): Reply | typeof HANG | Promise<Reply> {
    const dot = target.indexOf('.');
    const service = lookup(JSON_TARGETS, target.slice(0, dot));
    const operation = target.slice(dot + 1);
    if (service === undefined || dot < 0) {
      return jsonFault(new AwsFault('UnknownOperationException', `Unknown operation ${target}`));
    }
    return this.#answer(service, operation, request, (caller) => {
      const input = parseJsonInput(request.body);
      if (input === undefined)
        throw new AwsFault('SerializationException', 'Start of structure or map found where not expected.');
      if (service === 'sqs') {
        const answer = this.#services.sqs.handle(operation, input);
        return answer instanceof Promise
          ? answer.then(sqsReply, (error: unknown) => faultReply(error))
          : sqsReply(answer);
      }
      const output =
        service === 'kms'
          ? this.#services.kms.handle(operation, input, caller, request.now)
          : this.#services.organizations.handle(operation, input, caller);
      return output === HANG ? HANG : jsonReply(output);
    });
  }

  /** Security Hub's REST-JSON: the operation is the path (POST /findings/import, POST /findings). */
  #routeSecurityHub(path: string, request: Request): Reply | typeof HANG | Promise<Reply> {
    const operation = path === '/findings/import' ? 'BatchImportFindings' : path === '/findings' ? 'GetFindings' : path;
    return this.#answer('securityhub', operation, request, (caller) => {
      const input = parseJsonInput(request.body);
      if (input === undefined) throw new AwsFault('InvalidInputException', 'The request body is not a JSON object.');
      return securityHubReply(this.#services.securityHub.handle(path, input, caller, request.now));
    });
  }

  /** Authenticates, counts, runs `handle` and turns an AwsFault into the service's error document. */
  #answer(
    service: Service,
    operation: string,
    request: Request,
    handle: (caller: Caller) => Reply | typeof HANG | Promise<Reply>,
  ): Reply | typeof HANG | Promise<Reply> {
    const name = `${service}:${operation}`;
    const scope = parseSignedScope(header(request.headers, 'authorization'));
    const principal =
      scope === undefined
        ? undefined
        : this.#services.credentials.resolve(
            scope.accessKeyId,
            header(request.headers, 'x-amz-security-token'),
            request.now,
          );
    const stats = this.#services.stats;
    stats.request(name, typeof principal === 'object' ? principal.account : undefined, scope?.region ?? '');
    this.#services.events.emit('request', name);
    try {
      if (scope === undefined || principal === undefined) throw AUTH_FAULTS[service].missing();
      if (principal === 'unknown' || principal === 'expired') throw AUTH_FAULTS[service][principal]();
      return handle({ principal, region: scope.region });
    } catch (error) {
      if (!(error instanceof AwsFault)) throw error;
      if (error.code === 'ThrottlingException') {
        stats.throttle(name);
        this.#services.events.emit('throttle', name);
      }
      if (service === 'sts') return stsFault(error, STS_NAMESPACE, request.requestId);
      if (service === 'ec2') return ec2Fault(error, request.requestId);
      if (service === 'sqs') return sqsFault(error);
      if (service === 'securityhub') return securityHubFault(error);
      return jsonFault(error);
    }
  }
}

/** A long poll that failed after it began waiting: SQS's error document, or the error thrown on. */
function faultReply(error: unknown): Reply {
  if (error instanceof AwsFault) return sqsFault(error);
  throw error;
}
