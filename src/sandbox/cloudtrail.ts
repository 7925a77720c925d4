import { randomUUID } from 'node:crypto';

/** A KMS change as the sandbox carried it out: what CloudTrail would record of it. */
export interface KmsChange {
  readonly eventName: 'PutKeyPolicy' | 'CreateGrant' | 'RevokeGrant';
  /** The key's owner and region, and its ARN. */
  readonly account: string;
  readonly region: string;
  readonly keyArn: string;
  /** Who made the call: an IAM ARN (a role session for the bot, a user for a person). */
  readonly callerArn: string;
  readonly requestParameters: Record<string, unknown>;
  readonly responseElements: Record<string, unknown> | null;
}

/**
 * The message EventBridge puts on a queue for a change: the whole event (an "AWS API Call via CloudTrail" envelope
 * around the CloudTrail record), as a rule with no input transformer delivers it.
 */
export function eventBridgeBody(change: KmsChange, at: Date): string {
  const time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    account: change.account,
    time,
    region: change.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { type: 'AssumedRole', arn: change.callerArn, accountId: change.callerArn.split(':')[4] },
      eventTime: time,
      eventSource: 'kms.amazonaws.com',
      eventName: change.eventName,
      awsRegion: change.region,
      requestParameters: change.requestParameters,
      responseElements: change.responseElements,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      resources: [{ accountId: change.account, type: 'AWS::KMS::Key', ARN: change.keyArn }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: change.account,
      eventCategory: 'Management',
    },
  });
}
