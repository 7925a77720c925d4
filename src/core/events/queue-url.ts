/** Where an SQS queue URL says the queue is: plain text, so that any layer may read it. */

const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d+)';
/** `https://sqs[-fips].<region>.amazonaws.com[.cn]/...`, or the older `https://<region>.queue.amazonaws.com/...`. */
const QUEUE_HOSTS = [
  new RegExp(`^https?://sqs(?:-fips)?\\.${REGION}\\.`),
  new RegExp(`^https?://${REGION}\\.queue\\.`),
];

/** The region a queue URL names, if it names one (a LocalStack or sandbox URL does not). */
export function queueRegion(queueUrl: string): string | undefined {
  for (const host of QUEUE_HOSTS) {
    const region = host.exec(queueUrl)?.[1];
    if (region !== undefined) return region;
  }
  return undefined;
}

/** The queue's ARN, from its URL's region (`*` when the URL names none), account and name. */
export function queueArn(queueUrl: string, partition: string): string {
  const [, account, name] = new URL(queueUrl).pathname.split('/');
  return `arn:${partition}:sqs:${queueRegion(queueUrl) ?? '*'}:${account}:${name}`;
}
