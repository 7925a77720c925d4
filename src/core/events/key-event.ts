/**
 * A KMS change as CloudTrail reports it through EventBridge (the SQS message body), reduced to what kms-sentinel
 * needs: which keys to read again, and what the read should show. The event is a hint; the read is the truth.
 */

/** The KMS calls that can change who may use a key. */
export const ACCESS_CHANGING_EVENTS = [
  'PutKeyPolicy',
  'CreateGrant',
  'RetireGrant',
  'RevokeGrant',
  'CreateKey',
  'ReplicateKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'EnableKey',
  'DisableKey',
  'UpdatePrimaryRegion',
] as const;

export type KeyEventName = (typeof ACCESS_CHANGING_EVENTS)[number];

/** A key to read again: its full ARN (a multi-Region key's replicas differ only in the region), owner and region. */
export interface KeyRef {
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
}

/**
 * What the read should show once KMS has caught up (it is eventually consistent: a grant can take minutes to show in
 * ListGrants). A read that disagrees is tried again for a while before it is trusted.
 */
export type Expectation =
  | { readonly grantPresent: string }
  | { readonly grantAbsent: string }
  | { readonly policy: string };

export type KeyEvent =
  | {
      readonly kind: 'change';
      readonly eventId: string;
      readonly eventName: KeyEventName;
      readonly eventTime: string;
      /** The account whose bus got the event: the caller's, which is not always the key owner's. */
      readonly recipientAccountId: string;
      /** The region it was recorded in (the endpoint called). */
      readonly awsRegion: string;
      readonly keys: readonly KeyRef[];
      readonly expect: readonly (Expectation & { readonly keyArn: string })[];
      /** Who made the call (userIdentity.arn), to tell the bot's own remediations. */
      readonly callerArn: string | undefined;
    }
  /** A change whose key the record does not name (an old record, parameters left out): read its whole region again. */
  | {
      readonly kind: 'rescan';
      readonly eventName: KeyEventName;
      readonly accountId: string;
      readonly region: string;
      readonly detail: string;
    }
  /** Nothing to read: why (a failed call, another service, an event that changes no one's access). */
  | { readonly kind: 'ignored'; readonly reason: IgnoredReason; readonly detail: string }
  /** The body is not an EventBridge event of the expected shape. */
  | { readonly kind: 'malformed'; readonly detail: string };

export type IgnoredReason = 'not-kms' | 'not-watched' | 'failed-call';

const KEY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]+)$/;
/** A key ID without its ARN: a UUID, or a multi-Region key's `mrk-` ID. */
const BARE_KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

type Json = Record<string, unknown>;
const record = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Parses a message body into the keys it names. Never throws: a body it cannot read is `malformed`. */
export function keyEventOf(body: string): KeyEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'malformed', detail: 'the body is not JSON' };
  }
  const envelope = record(parsed);
  const detail = record(envelope?.detail);
  if (envelope === undefined || detail === undefined) {
    return { kind: 'malformed', detail: 'not an EventBridge event (no detail object)' };
  }
  if (envelope.source !== 'aws.kms' || detail.eventSource !== 'kms.amazonaws.com') {
    return { kind: 'ignored', reason: 'not-kms', detail: `an event from ${String(envelope.source)}` };
  }
  const eventName = text(detail.eventName);
  if (eventName === undefined || !(ACCESS_CHANGING_EVENTS as readonly string[]).includes(eventName)) {
    const named = eventName === undefined ? 'an event without a name' : eventName;
    return { kind: 'ignored', reason: 'not-watched', detail: `${named} changes no one's access` };
  }
  // CloudTrail leaves errorCode out of a call that succeeded; an empty one says no more.
  if (detail.errorCode !== undefined && detail.errorCode !== null && detail.errorCode !== '') {
    return { kind: 'ignored', reason: 'failed-call', detail: `${eventName} failed (${String(detail.errorCode)})` };
  }
  const recipient = text(detail.recipientAccountId) ?? text(envelope.account);
  const awsRegion = text(detail.awsRegion) ?? text(envelope.region);
  if (recipient === undefined || !ACCOUNT.test(recipient) || awsRegion === undefined || !REGION.test(awsRegion)) {
    return { kind: 'malformed', detail: `${eventName} names no account or region it was recorded in` };
  }
  const name = eventName as KeyEventName;
  const keys = keysOf(name, detail, recipient, awsRegion);
  if (keys.length === 0) {
    return {
      kind: 'rescan',
      eventName: name,
      accountId: recipient,
      region: awsRegion,
      detail: `${eventName} names no key (its parameters were left out, or the record predates key ARNs in events)`,
    };
  }
  return {
    kind: 'change',
    eventId: text(detail.eventID) ?? text(envelope.id) ?? '',
    eventName: name,
    eventTime: text(detail.eventTime) ?? text(envelope.time) ?? '',
    recipientAccountId: recipient,
    awsRegion,
    keys,
    expect: expectationsOf(name, detail, keys),
    callerArn: text(record(detail.userIdentity)?.arn),
  };
}

function keysOf(name: KeyEventName, detail: Json, recipient: string, awsRegion: string): KeyRef[] {
  const request = record(detail.requestParameters);
  const response = record(detail.responseElements);
  const arns = [
    ...(Array.isArray(detail.resources) ? detail.resources : []).map((r) => text(record(r)?.ARN)),
    text(record(response?.keyMetadata)?.arn),
    text(response?.keyId),
    text(request?.keyId),
  ];
  const named = unique(arns.flatMap((a) => (a === undefined ? [] : [keyRef(a)])).filter((k) => k !== undefined));
  const partition = named[0] === undefined ? 'aws' : (named[0].arn.split(':')[1] as string);
  // A bare key ID is a key of the account that made the call, in the region it called.
  const bare = [text(request?.keyId), text(response?.keyId)].find((id) => id !== undefined && BARE_KEY_ID.test(id));
  const called =
    named.length > 0 || bare === undefined
      ? named
      : [
          {
            arn: `arn:${partition}:kms:${awsRegion}:${recipient}:key/${bare}`,
            accountId: recipient,
            region: awsRegion,
          },
        ];
  if (name === 'ReplicateKey') {
    // The call names the primary; what changes is the new replica, in another region.
    const replica = keyRef(text(record(response?.replicaKeyMetadata)?.arn) ?? '');
    if (replica !== undefined) return [replica];
    const replicaRegion = text(request?.replicaRegion);
    const primary = called[0];
    if (primary === undefined || replicaRegion === undefined || !REGION.test(replicaRegion)) return [];
    return [atRegion(primary, replicaRegion)];
  }
  if (name === 'UpdatePrimaryRegion') {
    // The key in the region called, and its related key in the new primary region.
    const primaryRegion = text(request?.primaryRegion);
    const [key] = called;
    if (key === undefined || primaryRegion === undefined || !REGION.test(primaryRegion)) return called;
    return unique([key, atRegion(key, primaryRegion)]);
  }
  return called;
}

function expectationsOf(name: KeyEventName, detail: Json, keys: readonly KeyRef[]) {
  const [key] = keys;
  if (key === undefined) return [];
  const request = record(detail.requestParameters);
  const response = record(detail.responseElements);
  const grantId =
    text(response?.grantId) ?? text(request?.grantId) ?? text(record(detail.additionalEventData)?.grantId);
  switch (name) {
    case 'CreateGrant':
      return grantId === undefined ? [] : [{ keyArn: key.arn, grantPresent: grantId }];
    case 'RevokeGrant':
    case 'RetireGrant':
      return grantId === undefined ? [] : [{ keyArn: key.arn, grantAbsent: grantId }];
    case 'PutKeyPolicy': {
      const policy = text(request?.policy);
      return policy === undefined ? [] : [{ keyArn: key.arn, policy }];
    }
    default:
      return [];
  }
}

/** A key ARN's parts, or undefined for anything else (an alias ARN, a key ID, a malformed string). */
export function keyRef(arn: string): KeyRef | undefined {
  const match = KEY_ARN.exec(arn);
  if (match === null) return undefined;
  return { arn, accountId: match[3] as string, region: match[2] as string };
}

function atRegion(key: KeyRef, region: string): KeyRef {
  const parts = key.arn.split(':');
  parts[3] = region;
  return { arn: parts.join(':'), accountId: key.accountId, region };
}

function unique(keys: readonly KeyRef[]): KeyRef[] {
  const seen = new Map<string, KeyRef>();
  for (const k of keys) if (!seen.has(k.arn)) seen.set(k.arn, k);
  return [...seen.values()];
}
