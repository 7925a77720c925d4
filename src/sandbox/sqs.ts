import { createHash, randomUUID } from 'node:crypto';
import { AwsFault } from './fault.js';
import type { Reply } from './reply.js';

/**
 * SQS as `@aws-sdk/client-sqs` speaks it: AWS JSON 1.0 (`x-amz-target: AmazonSQS.<Op>`), standard queues with
 * visibility timeouts, receive counts and long polling, and errors in the query-compatible form (the code in
 * `x-amzn-query-error`). Queue URLs are on the sandbox's own host, as the client sends each request to its queue's URL.
 */
export const SQS_TARGET = 'AmazonSQS';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const DEFAULT_VISIBILITY_SECONDS = 30;
const MAX_WAIT_SECONDS = 20;

interface Message {
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  receiveCount: number;
  /** Epoch ms from which it may be received again. */
  visibleAt: number;
  /** The handle of its latest receive: only that one deletes it or changes its visibility. */
  receipt: string | undefined;
}

interface Queue {
  readonly name: string;
  readonly account: string;
  readonly messages: Message[];
  readonly visibilitySeconds: number;
  /** Where a message goes once it has been received maxReceiveCount times and comes up again. */
  readonly redrive: { readonly deadLetterPath: string; readonly maxReceiveCount: number } | undefined;
}

/** A fault SQS reports with its query-compatible code (what the client reads first). */
class SqsFault extends AwsFault {
  readonly queryCode: string;
  readonly sender: boolean;

  constructor(code: string, queryCode: string, message: string, status = 400, sender = true) {
    super(code, message, status);
    this.queryCode = queryCode;
    this.sender = sender;
  }
}

const noQueue = () =>
  new SqsFault(
    'com.amazonaws.sqs#QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    'The specified queue does not exist.',
  );
const invalidHandle = () =>
  new SqsFault(
    'com.amazonaws.sqs#ReceiptHandleIsInvalid',
    'ReceiptHandleIsInvalid',
    'The receipt handle is invalid.',
    404,
  );
const notInFlight = () =>
  new SqsFault(
    'com.amazonaws.sqs#MessageNotInflight',
    'AWS.SimpleQueueService.MessageNotInflight',
    'The message referred to is not in flight.',
  );
const invalidParameter = (message: string) =>
  new SqsFault('com.amazonaws.sqs#InvalidParameterValue', 'InvalidParameterValue', message);

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export class SqsService {
  readonly #queues = new Map<string, Queue>();
  readonly #waiting = new Set<() => void>();
  readonly #clock: () => number;
  #stopped = false;
  /** The sandbox's own URL, once it listens: queue URLs are on it. */
  origin = '';

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Makes a queue (tests and the demo); its URL's path is `/<account>/<name>`. */
  createQueue(
    account: string,
    name: string,
    options: { visibilitySeconds?: number; redrive?: Queue['redrive'] } = {},
  ): string {
    const path = `/${account}/${name}`;
    if (!this.#queues.has(path)) {
      const { visibilitySeconds = DEFAULT_VISIBILITY_SECONDS, redrive } = options;
      this.#queues.set(path, { name, account, messages: [], visibilitySeconds, redrive });
    }
    return path;
  }

  /** Puts a message on a queue, as EventBridge or a producer would; wakes a receive that waits. */
  send(path: string, body: string): string {
    const queue = this.#queues.get(path);
    if (queue === undefined) throw noQueue();
    const id = randomUUID();
    queue.messages.push({
      id,
      body,
      md5: md5(body),
      sentAt: this.#clock(),
      receiveCount: 0,
      visibleAt: 0,
      receipt: undefined,
    });
    this.#wake();
    return id;
  }

  /** How many messages wait to be received, and how many are in flight. */
  depth(path: string): { visible: number; inFlight: number } {
    const queue = this.#queues.get(path);
    if (queue === undefined) return { visible: 0, inFlight: 0 };
    const now = this.#clock();
    const visible = queue.messages.filter((m) => m.visibleAt <= now).length;
    return { visible, inFlight: queue.messages.length - visible };
  }

  handle(
    operation: string,
    input: Record<string, unknown>,
  ): Record<string, unknown> | Promise<Record<string, unknown>> {
    if (operation === 'GetQueueUrl') return this.#queueUrl(input);
    const queue = this.#queueOf(input.QueueUrl);
    switch (operation) {
      case 'ReceiveMessage':
        return this.#receive(queue, input);
      case 'SendMessage':
        if (typeof input.MessageBody !== 'string' || input.MessageBody === '') {
          throw invalidParameter('The request must contain the parameter MessageBody.');
        }
        return {
          MessageId: this.send(this.#pathOf(queue), input.MessageBody),
          MD5OfMessageBody: md5(input.MessageBody),
        };
      case 'DeleteMessage':
        this.#settle(queue, input.ReceiptHandle, (m) => queue.messages.splice(queue.messages.indexOf(m), 1));
        return {};
      case 'DeleteMessageBatch':
        return this.#deleteBatch(queue, input.Entries);
      case 'ChangeMessageVisibility': {
        const seconds = Number(input.VisibilityTimeout);
        if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
          throw invalidParameter('VisibilityTimeout must be an integer from 0 to 43200.');
        }
        this.#settle(queue, input.ReceiptHandle, (m) => {
          m.visibleAt = this.#clock() + seconds * 1000;
          if (seconds === 0) this.#wake();
        });
        return {};
      }
      case 'GetQueueAttributes': {
        const { visible, inFlight } = this.depth(this.#pathOf(queue));
        const oldest = queue.messages.reduce((min, m) => Math.min(min, m.sentAt), Number.POSITIVE_INFINITY);
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(visible),
            ApproximateNumberOfMessagesNotVisible: String(inFlight),
            VisibilityTimeout: String(queue.visibilitySeconds),
            QueueArn: `arn:aws:sqs:us-east-1:${queue.account}:${queue.name}`,
            ...(Number.isFinite(oldest) ? { OldestMessageSentAt: String(Math.floor(oldest / 1000)) } : {}),
            ...(queue.redrive === undefined
              ? {}
              : {
                  RedrivePolicy: JSON.stringify({
                    deadLetterTargetArn: `arn:aws:sqs:us-east-1:${queue.redrive.deadLetterPath.split('/')[1]}:${queue.redrive.deadLetterPath.split('/')[2]}`,
                    maxReceiveCount: queue.redrive.maxReceiveCount,
                  }),
                }),
          },
        };
      }
      default:
        throw new SqsFault(
          'com.amazonaws.sqs#InvalidAction',
          'InvalidAction',
          `The action ${operation} is not valid for this endpoint.`,
        );
    }
  }

  /** Ends every long poll at once (the sandbox stops). */
  stop(): void {
    this.#stopped = true;
    this.#wake();
  }

  #queueOf(url: unknown): Queue {
    if (typeof url !== 'string') throw invalidParameter('The request must contain the parameter QueueUrl.');
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw noQueue();
    }
    const queue = this.#queues.get(path);
    if (queue === undefined) throw noQueue();
    return queue;
  }

  /** GetQueueUrl: the queue of this name in the owner's account (default: the one any queue here belongs to). */
  #queueUrl(input: Record<string, unknown>): Record<string, unknown> {
    const name = input.QueueName;
    if (typeof name !== 'string') throw invalidParameter('The request must contain the parameter QueueName.');
    const owner = typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : undefined;
    const queue = [...this.#queues.values()].find(
      (q) => q.name === name && (owner === undefined || q.account === owner),
    );
    if (queue === undefined) throw noQueue();
    return { QueueUrl: `${this.origin}${this.#pathOf(queue)}` };
  }

  #pathOf(queue: Queue): string {
    return `/${queue.account}/${queue.name}`;
  }

  async #receive(queue: Queue, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const max = input.MaxNumberOfMessages === undefined ? 1 : Number(input.MaxNumberOfMessages);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw invalidParameter('Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10.');
    }
    const wait = input.WaitTimeSeconds === undefined ? 0 : Number(input.WaitTimeSeconds);
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      throw invalidParameter('Value for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20.');
    }
    const visibility =
      input.VisibilityTimeout === undefined ? queue.visibilitySeconds : Number(input.VisibilityTimeout);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const taken = this.#take(queue, max, visibility);
      if (taken.length > 0 || Date.now() >= deadline || this.#stopped) {
        return taken.length === 0 ? {} : { Messages: taken };
      }
      await this.#until(deadline);
    }
  }

  #take(queue: Queue, max: number, visibilitySeconds: number): Record<string, unknown>[] {
    const now = this.#clock();
    const taken: Record<string, unknown>[] = [];
    for (const m of [...queue.messages]) {
      if (taken.length === max) break;
      if (m.visibleAt > now) continue;
      const deadLetter = queue.redrive === undefined ? undefined : this.#queues.get(queue.redrive.deadLetterPath);
      if (deadLetter !== undefined && queue.redrive !== undefined && m.receiveCount >= queue.redrive.maxReceiveCount) {
        // Received as often as the redrive policy allows: it moves to the dead-letter queue instead.
        queue.messages.splice(queue.messages.indexOf(m), 1);
        deadLetter.messages.push({ ...m, receiveCount: 0, visibleAt: 0, receipt: undefined });
        continue;
      }
      m.receiveCount++;
      m.visibleAt = now + visibilitySeconds * 1000;
      m.receipt = `${m.id}#${randomUUID()}`;
      taken.push({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
        },
      });
    }
    return taken;
  }

  /** Waits until something may be received (a send, a message made visible) or the deadline, whichever first. */
  #until(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      // A visibility timeout that ends is noticed within a second.
      const timer = setTimeout(done, Math.min(Math.max(0, deadline - Date.now()), 1000));
      this.#waiting.add(done);
    });
  }

  #wake(): void {
    for (const done of [...this.#waiting]) done();
  }

  #settle(queue: Queue, handle: unknown, act: (m: Message) => void): void {
    if (typeof handle !== 'string') throw invalidParameter('The request must contain the parameter ReceiptHandle.');
    const id = handle.split('#')[0];
    const message = queue.messages.find((m) => m.id === id);
    if (message === undefined) {
      // Deleting a message already gone succeeds, as SQS's does.
      if (handle.includes('#')) return;
      throw invalidHandle();
    }
    if (message.receipt !== handle) {
      if (message.receipt === undefined) throw notInFlight();
      throw invalidHandle();
    }
    act(message);
  }

  #deleteBatch(queue: Queue, entries: unknown): Record<string, unknown> {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new SqsFault(
        'com.amazonaws.sqs#EmptyBatchRequest',
        'AWS.SimpleQueueService.EmptyBatchRequest',
        'There should be at least one entry in the request.',
      );
    }
    if (entries.length > 10) {
      throw new SqsFault(
        'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        'Maximum number of entries per request are 10.',
      );
    }
    const ids = entries.map((e) => (e as { Id?: unknown }).Id);
    if (new Set(ids).size !== ids.length) {
      throw new SqsFault(
        'com.amazonaws.sqs#BatchEntryIdsNotDistinct',
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
        'Two or more batch entries in the request have the same Id.',
      );
    }
    const successful: { Id: unknown }[] = [];
    const failed: Record<string, unknown>[] = [];
    for (const entry of entries as { Id?: unknown; ReceiptHandle?: unknown }[]) {
      try {
        this.#settle(queue, entry.ReceiptHandle, (m) => queue.messages.splice(queue.messages.indexOf(m), 1));
        successful.push({ Id: entry.Id });
      } catch (error) {
        const fault = error as SqsFault;
        failed.push({ Id: entry.Id, SenderFault: true, Code: fault.queryCode ?? fault.code, Message: fault.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }
}

export function sqsReply(output: Record<string, unknown>): Reply {
  return { status: 200, contentType: CONTENT_TYPE, body: JSON.stringify(output) };
}

export function sqsFault(fault: AwsFault): Reply {
  const query = fault instanceof SqsFault ? fault.queryCode : fault.code;
  const sender = fault instanceof SqsFault ? fault.sender : fault.status < 500;
  const code = fault instanceof SqsFault ? fault.code : `com.amazonaws.sqs#${fault.code}`;
  return {
    status: fault.status,
    contentType: CONTENT_TYPE,
    headers: { 'x-amzn-query-error': `${query};${sender ? 'Sender' : 'Receiver'}` },
    body: JSON.stringify({ __type: code, message: fault.message }),
  };
}
