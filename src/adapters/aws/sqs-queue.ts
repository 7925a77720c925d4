import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { queueRegion } from '../../core/events/queue-url.js';
import type { EventQueuePort, QueueDepth, QueuedMessage } from '../../usecases/event-queue-port.js';
import { toAwsCallError } from './errors.js';

export { queueRegion };

/** SQS accepts at most this many entries in one DeleteMessageBatch. */
const BATCH = 10;
/** A long poll lasts up to 20 s: an answer later than this never comes (a stalled connection), and is retried. */
const DEFAULT_REQUEST_TIMEOUT_MS = 35_000;
/**
 * The SDK warns on every call when the queue URL's host is not the endpoint it resolved (a LocalStack URL, the legacy
 * `REGION.queue.amazonaws.com` form), then uses the URL's host, which is what is wanted: the warning is noise in a
 * JSON log, so the client's own logger says nothing.
 */
const QUIET = { debug() {}, info() {}, warn() {}, error() {}, trace() {} };

/**
 * The events queue on SQS. Its endpoint follows the SDK's own settings (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL), its
 * credentials the standard chain: the same client runs against SQS, LocalStack or the sandbox.
 */
export class SqsEventQueue implements EventQueuePort {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  /**
   * `homeRegion`: the region when the URL names none (a LocalStack or sandbox URL). `requestTimeoutMs`: how long one
   * request may take (the connection, then the answer) before it is given up and retried; a long poll needs more than
   * 20 s.
   */
  constructor(queueUrl: string, homeRegion: string, options: { requestTimeoutMs?: number } = {}) {
    this.queueUrl = queueUrl;
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.client = new SQSClient({
      region: queueRegion(queueUrl) ?? homeRegion,
      maxAttempts: 3,
      logger: QUIET,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: Math.min(timeout, 10_000),
        requestTimeout: timeout,
        throwOnRequestTimeout: true,
      }),
    });
  }

  async receive(max: number, waitSeconds: number, signal: AbortSignal): Promise<QueuedMessage[]> {
    try {
      const answer = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        { abortSignal: signal },
      );
      return (answer.Messages ?? []).flatMap((m) =>
        m.ReceiptHandle === undefined || m.MessageId === undefined
          ? []
          : [
              {
                messageId: m.MessageId,
                handle: m.ReceiptHandle,
                body: m.Body ?? '',
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
                sentAt: new Date(Number(m.Attributes?.SentTimestamp ?? Date.now())),
              },
            ],
      );
    } catch (error) {
      if (signal.aborted) return [];
      throw toAwsCallError(error);
    }
  }

  async delete(handles: readonly string[]): Promise<string[]> {
    const failed: string[] = [];
    for (let at = 0; at < handles.length; at += BATCH) {
      const page = handles.slice(at, at + BATCH);
      try {
        const answer = await this.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: page.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
          }),
        );
        for (const f of answer.Failed ?? []) failed.push(page[Number(f.Id)] as string);
      } catch (error) {
        throw toAwsCallError(error);
      }
    }
    return failed;
  }

  async retryAfter(handle: string, seconds: number): Promise<void> {
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      throw toAwsCallError(error);
    }
  }

  async depth(): Promise<QueueDepth> {
    try {
      const a = await this.attributes(this.queueUrl, [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'RedrivePolicy',
      ]);
      return {
        waiting: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        deadLetter: await this.deadLetter(a.RedrivePolicy),
      };
    } catch (error) {
      throw toAwsCallError(error);
    }
  }

  async probe(): Promise<void> {
    try {
      await this.attributes(this.queueUrl, ['ApproximateNumberOfMessages']);
      await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 0,
        }),
      );
    } catch (error) {
      throw toAwsCallError(error);
    }
  }

  /** The dead-letter queue a redrive policy names (its ARN), found by name and owner, and how many wait there. */
  private async deadLetter(redrivePolicy: string | undefined): Promise<QueueDepth['deadLetter']> {
    if (redrivePolicy === undefined) return null;
    const arn = (JSON.parse(redrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    const [, , , , owner, name] = arn?.split(':') ?? [];
    if (owner === undefined || name === undefined) return null;
    const found = await this.client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: owner }));
    if (found.QueueUrl === undefined) return null;
    const a = await this.attributes(found.QueueUrl, ['ApproximateNumberOfMessages']);
    return { queueUrl: found.QueueUrl, waiting: Number(a.ApproximateNumberOfMessages ?? 0) };
  }

  private async attributes(queueUrl: string, names: QueueAttributeName[]): Promise<Partial<Record<string, string>>> {
    const answer = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }));
    return answer.Attributes ?? {};
  }

  close(): void {
    this.client.destroy();
  }
}
