import type { Config } from '../config/schema.js';
import { gatewayOptions } from './gateway-options.js';

/** What `doctor` runs on: an AWS gateway on this thread, a Slack client of its own (with a token), the database inspector. */
export async function composeDoctor(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  slack: { botToken: string; apiUrl: string | undefined } | undefined,
  timeoutMs: number,
  dbPath: string,
): Promise<import('../usecases/doctor/doctor.js').DoctorParts & { close(): void }> {
  const [{ AwsGateway }, { databaseInspector }] = await Promise.all([
    import('../adapters/aws/aws-gateway.js'),
    import('../adapters/store/inspect-database.js'),
  ]);
  const slackPort =
    slack === undefined
      ? undefined
      : (await import('../adapters/slack/web-client-port.js')).standaloneWebClientPort({ ...slack, timeoutMs });
  // One attempt per call, bounded by doctor's own timeout: a refused connection is said at once (not after retries),
  // and no request outlives the report.
  const aws = new AwsGateway({
    ...(await gatewayOptions(config, env)),
    maxAttempts: 1,
    requestTimeoutMs: Math.min(timeoutMs, config.scan.requestTimeoutSeconds * 1000),
  });
  const events =
    config.events === undefined
      ? undefined
      : await doctorEvents(config.events.queueUrl, config, env, dbPath, timeoutMs);
  const securityHub = config.securityHub.enabled ? await doctorSecurityHub(config, dbPath) : undefined;
  return {
    aws,
    slack: slackPort,
    database: databaseInspector,
    ...(events === undefined ? {} : { events }),
    ...(securityHub === undefined ? {} : { securityHub }),
    close: () => {
      aws.close();
      events?.close();
      securityHub?.record?.close();
    },
  };
}

/** What doctor checks of the events queue: the queue, and the record read only (when it can be). */
async function doctorEvents(
  queueUrl: string,
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  dbPath: string,
  timeoutMs: number,
) {
  const [{ SqsEventQueue }, { openRecordReader }] = await Promise.all([
    import('../adapters/aws/sqs-queue.js'),
    import('../adapters/store/worker/worker-record.js'),
  ]);
  // Doctor's checks never long-poll: each request is bounded by doctor's own --timeout.
  const queue = new SqsEventQueue(queueUrl, (await gatewayOptions(config, env)).homeRegion, {
    requestTimeoutMs: timeoutMs,
  });
  let reader: ReturnType<typeof openRecordReader> | undefined;
  try {
    reader = openRecordReader(dbPath);
    reader.eventSources();
  } catch {
    reader?.close();
    reader = undefined;
  }
  return {
    queueUrl,
    queue,
    record: reader,
    close: () => {
      queue.close();
      reader?.close();
    },
  };
}

/** What doctor checks of the push to Security Hub: the record, read only (when it can be). */
async function doctorSecurityHub(config: Config, dbPath: string) {
  const { openRecordReader } = await import('../adapters/store/worker/worker-record.js');
  let reader: ReturnType<typeof openRecordReader> | undefined;
  try {
    reader = openRecordReader(dbPath);
    reader.securityHubState(1);
  } catch {
    reader?.close();
    reader = undefined;
  }
  return { region: config.securityHub.region, record: reader };
}
