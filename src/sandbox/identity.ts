import { createHash, randomBytes } from 'node:crypto';

/** Who a set of credentials belongs to. */
export interface Principal {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
  /** Set for temporary credentials: the request must carry it as X-Amz-Security-Token. */
  readonly sessionToken?: string;
  /** Epoch ms; set for temporary credentials. */
  readonly expiresAt?: number;
}

/** What the SigV4 credential scope of a request says: `Credential=AKID/date/region/service/aws4_request`. */
export interface SignedScope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAt: number;
  readonly principal: Principal;
}

export type Resolution = Principal | 'unknown' | 'expired';

export function parseSignedScope(authorization: string | undefined): SignedScope | undefined {
  if (authorization === undefined) return undefined;
  const start = authorization.indexOf('Credential=');
  if (start < 0) return undefined;
  const end = authorization.indexOf(',', start);
  const parts = authorization.slice(start + 'Credential='.length, end < 0 ? undefined : end).split('/');
  const [accessKeyId, , region, service] = parts;
  if (parts.length !== 5 || !accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

/** An IAM-style unique ID (AIDA..., AROA...) derived from the ARN, so it is stable across runs. */
export function uniqueId(prefix: string, arn: string): string {
  return prefix + createHash('sha256').update(arn).digest('hex').slice(0, 17).toUpperCase();
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function temporaryAccessKeyId(): string {
  let id = 'ASIA';
  for (const byte of randomBytes(16)) id += KEY_ALPHABET[byte & 31];
  return id;
}

/** Access key ID -> principal: the base credentials of the world plus every session AssumeRole handed out. */
export class CredentialStore {
  readonly #byAccessKey = new Map<string, Principal>();

  constructor(base: { accessKeyId: string; account: string; arn: string }) {
    this.#byAccessKey.set(base.accessKeyId, {
      account: base.account,
      arn: base.arn,
      userId: uniqueId('AIDA', base.arn),
    });
  }

  resolve(accessKeyId: string, sessionToken: string | undefined, now: number): Resolution {
    const principal = this.#byAccessKey.get(accessKeyId);
    if (principal === undefined || principal.sessionToken !== sessionToken) return 'unknown';
    if (principal.expiresAt !== undefined && now >= principal.expiresAt) return 'expired';
    return principal;
  }

  issue(account: string, roleName: string, sessionName: string, ttlSeconds: number, now: number): IssuedCredentials {
    const roleArn = `arn:aws:iam::${account}:role/${roleName}`;
    const accessKeyId = temporaryAccessKeyId();
    const sessionToken = randomBytes(96).toString('base64');
    const expiresAt = now + ttlSeconds * 1000;
    const principal: Principal = {
      account,
      arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      userId: `${uniqueId('AROA', roleArn)}:${sessionName}`,
      sessionToken,
      expiresAt,
    };
    this.#byAccessKey.set(accessKeyId, principal);
    return { accessKeyId, secretAccessKey: randomBytes(30).toString('base64'), sessionToken, expiresAt, principal };
  }
}

/** The authenticated caller of a request and the region its signature names. */
export interface Caller {
  readonly principal: Principal;
  readonly region: string;
}
