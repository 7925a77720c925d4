/**
 * A minimal SQS (standard queues) for tests, written from AWS's own documentation of the SQS API over the AWS JSON 1.0
 * protocol, independently of the project's sandbox (src/sandbox: none of its code read or imported), so that the
 * events consumer is shown to work against an SQS whose assumptions are not the project's. Strict where AWS is:
 * - POST / with X-Amz-Target AmazonSQS.<Action>, Content-Type application/x-amz-json-1.0, a SigV4 Authorization (its
 *   shape checked, not its signature), the input (QueueUrl too) as JSON; unknown actions are InvalidAction.
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html
 * - Errors: 400 (403 without credentials), x-amzn-query-error "<query code>;Sender", {"__type": "com.amazonaws.sqs#
 *   <Shape>", "message"}. .../SQSDeveloperGuide/sqs-json-api-responses.html, .../APIReference/CommonErrors.html
 * - ReceiveMessage: MaxNumberOfMessages 1-10 (default 1), WaitTimeSeconds 0-20 (a long poll answers as soon as a
 *   message is visible, with no Messages when the wait ends), VisibilityTimeout 0-43200 (default the queue's, 30).
 *   .../APIReference/API_ReceiveMessage.html, .../SQSDeveloperGuide/best-practices-setting-up-long-polling.html
 * - Message: a new ReceiptHandle on every receive, MD5OfBody, Attributes only as asked (AttributeNames or
 *   MessageSystemAttributeNames; timestamps in epoch ms). .../APIReference/API_Message.html
 * - DeleteMessage(Batch): an older receipt handle succeeds but leaves the message; 1-10 entries with distinct Ids,
 *   each failure in Failed. .../APIReference/API_DeleteMessage.html, .../APIReference/API_DeleteMessageBatch.html
 * - ChangeMessageVisibility: 0-43200 s from the call, for a message in flight (else MessageNotInflight), with its
 *   current handle (else ReceiptHandleIsInvalid). .../APIReference/API_ChangeMessageVisibility.html
 * - GetQueueAttributes (InvalidAttributeName), GetQueueUrl, SendMessage: .../APIReference/API_<Action>.html
 * (... = https://docs.aws.amazon.com/AWSSimpleQueueService/latest)
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsRequest {
  readonly target: string;
  readonly contentType: string;
  readonly body: Record<string, unknown>;
  /** What it was answered (an error's `__type` and message included). */
  readonly answer?: Record<string, unknown>;
}

/** The stand-in, as startIndependentSqs returns it (each member documented there). */
export type IndependentSqs = Awaited<ReturnType<typeof startIndependentSqs>>;
export type FaultyAction = 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibility' | 'GetQueueAttributes';
export type Fault = { readonly status: number; readonly code: string } | 'hang';

/** Times in epoch ms of the injected clock; `handle`: the receipt handle of its latest receive. */
type Message = { id: string; body: string; sentAt: number; count: number; firstAt?: number; visibleAt: number } & {
  handle?: string;
};
/** `handles`: every receipt handle ever given out for one of its messages. */
type Queue = { url: string; name: string; accountId: string; messages: Message[]; handles: Set<string> };
type SqsError = Error & { shape: string; queryCode: string; status: number };
const fail = (shape: string, queryCode: string, message: string, status = 400): SqsError =>
  Object.assign(new Error(message), { shape, queryCode, status });
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const DEFAULT_VISIBILITY_SECONDS = 30;
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[a-z0-9-]+\/sqs\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;
/** GetQueueAttributes' documented names: those this queue has no value for (a redrive policy, say) are left out. */
const QUEUE_ATTRIBUTES = (
  'All Policy VisibilityTimeout MaximumMessageSize MessageRetentionPeriod ApproximateNumberOfMessages ' +
  'ApproximateNumberOfMessagesNotVisible CreatedTimestamp LastModifiedTimestamp QueueArn DelaySeconds ' +
  'ApproximateNumberOfMessagesDelayed ReceiveMessageWaitTimeSeconds RedrivePolicy FifoQueue ContentBasedDeduplication ' +
  'KmsMasterKeyId KmsDataKeyReusePeriodSeconds DeduplicationScope FifoThroughputLimit RedriveAllowPolicy SqsManagedSseEnabled'
).split(' ');
const SENDER_ID = 'AIDAINDEPENDENTSQS';
/** The message attributes ReceiveMessage gives when asked, in the order `receive` lists their values. */
const MESSAGE_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'];

function noSuchQueue(): never {
  throw fail('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
}
const badValue = (message: string) => fail('InvalidParameterValue', 'InvalidParameterValue', message);
const invalidHandle = () =>
  fail('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 'The specified receipt handle isn\u2019t valid.');

/** `value` as an integer within [min, max], `fallback` when absent. */
function integer(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badValue(`Value ${JSON.stringify(value)} for parameter ${name} is invalid. Must be ${min} to ${max}.`);
  }
  return value;
}

function strings(body: Record<string, unknown>, name: string): string[] {
  const value = body[name] ?? [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw badValue(`${name} must be a list.`);
  return value as string[];
}

export async function startIndependentSqs(options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const queues = new Map<string, Queue>();
  const polls = new Map<() => void, Queue>();
  const requests: SqsRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const hung: SqsRequest[] = [];
  const changed = new EventEmitter();
  const visibleOnes = (q: Queue) => q.messages.filter((m) => m.visibleAt <= now());
  const queueOf = (url: unknown) => queues.get(String(url)) ?? noSuchQueue();
  const servePolls = () => {
    for (const take of [...polls.keys()]) take();
  };

  function receive(queue: Queue, body: Record<string, unknown>, visibilitySeconds: number) {
    const max = integer(body, 'MaxNumberOfMessages', 1, 10, 1);
    const names = new Set([...strings(body, 'AttributeNames'), ...strings(body, 'MessageSystemAttributeNames')]);
    const wanted = names.has('All') ? MESSAGE_ATTRIBUTES : MESSAGE_ATTRIBUTES.filter((n) => names.has(n));
    const at = now();
    return visibleOnes(queue)
      .slice(0, max)
      .map((m) => {
        m.count++;
        m.firstAt ??= at;
        m.visibleAt = at + visibilitySeconds * 1000;
        m.handle = randomBytes(48).toString('base64');
        queue.handles.add(m.handle);
        const values = [SENDER_ID, m.sentAt, m.count, m.firstAt].map(String);
        const attributes = Object.fromEntries(wanted.map((n) => [n, values[MESSAGE_ATTRIBUTES.indexOf(n)]]));
        const message = { MessageId: m.id, ReceiptHandle: m.handle, MD5OfBody: md5(m.body), Body: m.body };
        return wanted.length === 0 ? message : { ...message, Attributes: attributes };
      });
  }

  /** Deletes with the message's current handle; an older one "succeeds" and leaves it (as AWS documents). */
  function remove(queue: Queue, handle: unknown): void {
    if (typeof handle !== 'string' || !queue.handles.has(handle)) throw invalidHandle();
    const at = queue.messages.findIndex((m) => m.handle === handle);
    if (at !== -1) queue.messages.splice(at, 1);
  }

  type Action = (body: Record<string, unknown>, res: ServerResponse, seen: SqsRequest) => object | undefined;
  const actions: Record<string, Action> = {
    SendMessage(body) {
      const text = typeof body.MessageBody === 'string' && body.MessageBody !== '' ? body.MessageBody : undefined;
      if (text === undefined)
        throw fail('MissingParameter', 'MissingParameter', 'The request must contain MessageBody.');
      return { MessageId: sqs.send(queueOf(body.QueueUrl).url, text), MD5OfMessageBody: md5(text) };
    },
    ReceiveMessage(body, res, seen) {
      const queue = queueOf(body.QueueUrl);
      const visibility = integer(body, 'VisibilityTimeout', 0, 43_200, DEFAULT_VISIBILITY_SECONDS);
      const wait = integer(body, 'WaitTimeSeconds', 0, 20, 0);
      const first = receive(queue, body, visibility);
      if (first.length > 0 || wait === 0) return first.length > 0 ? { Messages: first } : {};
      const timer = setTimeout(() => answer({}), wait * 1000);
      const take = () => {
        const messages = receive(queue, body, visibility);
        if (messages.length > 0) answer({ Messages: messages });
      };
      const cancel = () => {
        clearTimeout(timer);
        polls.delete(take);
      };
      const answer = (out: object) => {
        cancel();
        if (!res.writableEnded && !res.destroyed) reply(res, 200, out, seen);
      };
      res.on('close', cancel);
      polls.set(take, queue);
      changed.emit('change');
      return undefined;
    },
    DeleteMessage(body) {
      remove(queueOf(body.QueueUrl), body.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch(body) {
      const queue = queueOf(body.QueueUrl);
      const entries = (Array.isArray(body.Entries) ? body.Entries : []) as { Id?: unknown; ReceiptHandle?: unknown }[];
      const batch = (shape: string, message: string) => fail(shape, `AWS.SimpleQueueService.${shape}`, message);
      if (entries.length === 0) throw batch('EmptyBatchRequest', 'There should be at least one entry in the request.');
      if (entries.length > 10) throw batch('TooManyEntriesInBatchRequest', 'Maximum number of entries is 10.');
      if (new Set(entries.map((e) => e.Id)).size !== entries.length) {
        throw batch('BatchEntryIdsNotDistinct', 'Two or more batch entries have the same Id.');
      }
      const Successful: object[] = [];
      const Failed: object[] = [];
      for (const { Id, ReceiptHandle } of entries) {
        try {
          remove(queue, ReceiptHandle);
          Successful.push({ Id });
        } catch (error) {
          Failed.push({ Id, SenderFault: true, Code: (error as SqsError).shape, Message: (error as Error).message });
        }
      }
      return { Successful, Failed };
    },
    ChangeMessageVisibility(body) {
      const queue = queueOf(body.QueueUrl);
      const seconds = integer(body, 'VisibilityTimeout', 0, 43_200, -1);
      const message = queue.messages.find((m) => m.handle === body.ReceiptHandle);
      if (message === undefined) throw invalidHandle();
      if (message.visibleAt <= now()) {
        throw fail('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'Not in flight.');
      }
      message.visibleAt = now() + seconds * 1000;
      return {};
    },
    GetQueueAttributes(body) {
      const queue = queueOf(body.QueueUrl);
      const values: Record<string, string> = {
        ApproximateNumberOfMessages: String(sqs.visible(queue.url)),
        ApproximateNumberOfMessagesNotVisible: String(sqs.inFlight(queue.url)),
        ApproximateNumberOfMessagesDelayed: '0',
        QueueArn: `arn:aws:sqs:us-east-1:${queue.accountId}:${queue.name}`,
        VisibilityTimeout: String(DEFAULT_VISIBILITY_SECONDS),
      };
      const names = strings(body, 'AttributeNames');
      const unknown = names.find((n) => !QUEUE_ATTRIBUTES.includes(n));
      if (unknown !== undefined) throw fail('InvalidAttributeName', 'InvalidAttributeName', `Unknown ${unknown}`);
      const wanted = Object.keys(values).filter((n) => names.includes(n) || names.includes('All'));
      return wanted.length === 0 ? {} : { Attributes: Object.fromEntries(wanted.map((n) => [n, values[n]])) };
    },
    GetQueueUrl({ QueueName, QueueOwnerAWSAccountId: owner }) {
      const found = [...queues.values()].find((q) => q.name === QueueName && (owner ?? q.accountId) === q.accountId);
      return { QueueUrl: (found ?? noSuchQueue()).url };
    },
  };

  function reply(res: ServerResponse, status: number, answer: object, seen: SqsRequest, queryError?: string) {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      ...(queryError === undefined ? {} : { 'x-amzn-query-error': `${queryError};Sender` }),
    });
    res.end(JSON.stringify(answer));
    requests.push({ ...seen, answer: answer as Record<string, unknown> });
    changed.emit('change');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    let seen: SqsRequest = { target, contentType: String(req.headers['content-type'] ?? ''), body: {} };
    try {
      const auth = req.headers.authorization;
      if (auth === undefined || req.headers['x-amz-date'] === undefined) {
        throw fail('MissingAuthenticationToken', 'MissingAuthenticationToken', 'Missing credentials.', 403);
      }
      if (!SIGV4.test(auth)) throw fail('IncompleteSignature', 'IncompleteSignature', 'Not a SigV4 signature.');
      const action = target.startsWith('AmazonSQS.') ? actions[target.slice('AmazonSQS.'.length)] : undefined;
      const json = req.headers['content-type'] === 'application/x-amz-json-1.0';
      if (req.method !== 'POST' || req.url !== '/' || !json || action === undefined) {
        throw fail('InvalidAction', 'InvalidAction', `The action ${target} is not valid for this endpoint.`);
      }
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badValue('Not a JSON object.');
      seen = { ...seen, body: parsed as Record<string, unknown> };
      const fault = faults.get(target.slice('AmazonSQS.'.length))?.shift();
      if (fault === 'hang') hung.push(seen);
      else if (fault !== undefined) throw fail(fault.code, fault.code, 'Try again.', fault.status);
      const answer = fault === 'hang' ? undefined : action(seen.body, res, seen);
      if (answer !== undefined) reply(res, 200, answer, seen);
    } catch (error) {
      const e = error instanceof Error && 'shape' in error ? (error as SqsError) : badValue(String(error));
      reply(res, e.status, { __type: `com.amazonaws.sqs#${e.shape}`, message: e.message }, seen, e.queryCode);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sqs = {
    endpoint,
    /** Every request that got an answer, in order. */
    requests: requests as readonly SqsRequest[],
    createQueue(name: string, accountId: string): string {
      const url = `${endpoint}/${accountId}/${name}`;
      if (!queues.has(url)) queues.set(url, { url, name, accountId, messages: [], handles: new Set() });
      return url;
    },
    /** Puts a message on the queue as a producer would; returns its MessageId. */
    send(queueUrl: string, body: string): string {
      const id = randomUUID();
      queueOf(queueUrl).messages.push({ id, body, sentAt: now(), count: 0, visibleAt: now() });
      servePolls();
      return id;
    },
    visible: (queueUrl: string) => visibleOnes(queueOf(queueUrl)).length,
    inFlight: (queueUrl: string) => queueOf(queueUrl).messages.filter((m) => m.visibleAt > now()).length,
    /** Long polls of this queue waiting for a message now. */
    waiting: (queueUrl: string) => [...polls.values()].filter((q) => q === queueOf(queueUrl)).length,
    /** Resolves once `done()` holds, checked now, after each answer and when a long poll begins to wait. */
    async until(done: () => boolean): Promise<void> {
      while (!done()) await once(changed, 'change');
    },
    /** After the injected clock moved: long polls waiting take the messages that became visible. */
    tick: servePolls,
    /** The next `times` calls of `action` answer `fault` (default a 500 InternalError), or never ('hang'). */
    failNext(action: FaultyAction, times = 1, fault: Fault = { status: 500, code: 'InternalError' }): void {
      faults.set(action, [...(faults.get(action) ?? []), ...Array<Fault>(times).fill(fault)]);
    },
    /** The requests left unanswered ('hang'), until stop(). */
    hung: hung as readonly SqsRequest[],
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sqs;
}
