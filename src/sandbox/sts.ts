import { AwsFault } from './fault.js';
import type { Caller, CredentialStore } from './identity.js';
import { textElement } from './query-protocol.js';
import type { WorldIndex } from './world-index.js';

export const STS_VERSION = '2011-06-15';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const DEFAULT_TTL_SECONDS = 3600;

function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** AWS Security Token Service (query protocol): AssumeRole and GetCallerIdentity. */
export class StsService {
  readonly #index: WorldIndex;
  readonly #credentials: CredentialStore;

  constructor(index: WorldIndex, credentials: CredentialStore) {
    this.#index = index;
    this.#credentials = credentials;
  }

  /** The XML inside `<ActionResult>`; throws AwsFault for an error answer. */
  handle(action: string, params: URLSearchParams, caller: Caller, now: number): string {
    if (action === 'GetCallerIdentity') {
      const { principal } = caller;
      return (
        textElement('Arn', principal.arn) +
        textElement('UserId', principal.userId) +
        textElement('Account', principal.account)
      );
    }
    if (action === 'AssumeRole') return this.#assumeRole(params, caller, now);
    throw new AwsFault('InvalidAction', `Could not find operation ${action} for version ${STS_VERSION}`);
  }

  #assumeRole(params: URLSearchParams, caller: Caller, now: number): string {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const match = ROLE_ARN.exec(roleArn);
    if (match === null) {
      throw new AwsFault(
        'ValidationError',
        `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must be a role ARN`,
      );
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new AwsFault(
        'ValidationError',
        `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    const [, account = '', roleName = ''] = match;
    const role = this.#index.account(account)?.roles.get(roleName);
    if (role === undefined || (role.externalId !== undefined && params.get('ExternalId') !== role.externalId)) {
      throw new AwsFault(
        'AccessDenied',
        `User: ${caller.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    const requested = Number(params.get('DurationSeconds') ?? DEFAULT_TTL_SECONDS);
    const ttl =
      this.#index.world.credentialTtlSeconds ?? (Number.isFinite(requested) ? requested : DEFAULT_TTL_SECONDS);
    const issued = this.#credentials.issue(account, roleName, sessionName, ttl, now);
    return (
      `<AssumedRoleUser>${textElement('Arn', issued.principal.arn)}${textElement('AssumedRoleId', issued.principal.userId)}</AssumedRoleUser>` +
      `<Credentials>${textElement('AccessKeyId', issued.accessKeyId)}${textElement('SecretAccessKey', issued.secretAccessKey)}` +
      `${textElement('SessionToken', issued.sessionToken)}${textElement('Expiration', isoSeconds(issued.expiresAt))}</Credentials>` +
      textElement('PackedPolicySize', 0)
    );
  }
}
