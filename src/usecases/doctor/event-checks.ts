import { messageOf } from '../../core/errors.js';
import type { EventQueuePort } from '../event-queue-port.js';
import { type EventsReport, eventsReport } from '../events/events-report.js';
import type { RecordReader } from '../store-port.js';
import { type DoctorCheck, failed, passed, skipped } from './check.js';

/** What doctor checks of the events pipeline (config.events). */
export interface EventsDoctorParts {
  readonly queueUrl: string;
  readonly queue: EventQueuePort;
  /** The record, read only (undefined: there is none yet, or it predates events). */
  readonly record: Pick<RecordReader, 'eventSources' | 'silentSources' | 'botState'> | undefined;
}

const PERMISSIONS = 'sqs:ReceiveMessage and sqs:GetQueueAttributes';

/**
 * The queue can be read (ReceiveMessage and GetQueueAttributes, without taking a message), its dead-letter queue is
 * empty, and every account-region whose keys scans see change has sent events since.
 */
export async function eventChecks(parts: EventsDoctorParts): Promise<DoctorCheck[]> {
  const title = 'Events queue';
  try {
    await parts.queue.probe();
  } catch (error) {
    return [
      failed(
        'events.queue',
        title,
        `${parts.queueUrl} cannot be read: ${messageOf(error)}`,
        `check events.queueUrl, and that these credentials have ${PERMISSIONS} on the queue (the queue policy of deploy/events-security.yml grants them to ConsumerRoleArn)`,
      ),
      skipped('events.pipeline', 'Events pipeline', 'the queue cannot be read'),
    ];
  }
  let report: EventsReport;
  try {
    const depth = { ...(await parts.queue.depth()), at: new Date().toISOString() };
    report = eventsReport(parts.record ?? NO_RECORD, parts.queueUrl, undefined, depth, null);
  } catch (error) {
    return [failed('events.queue', title, `${parts.queueUrl}: ${messageOf(error)}`, `grant ${PERMISSIONS} on it`)];
  }
  const d = report.depth;
  const backlog = `${d?.waiting ?? 0} waiting, ${d?.inFlight ?? 0} being handled`;
  const checks: DoctorCheck[] = [];
  if (d?.deadLetter != null && d.deadLetter.waiting > 0) {
    checks.push(
      failed(
        'events.queue',
        title,
        `${parts.queueUrl} can be read (${backlog}), but ${d.deadLetter.waiting} event(s) wait in the dead-letter queue ${d.deadLetter.queueUrl}: their keys were not read again`,
        "find why in the bot's log (events that kept failing), fix it, then redrive the dead-letter queue (aws sqs start-message-move-task)",
      ),
    );
  } else {
    const dead = d?.deadLetter == null ? 'no dead-letter queue (set a redrive policy)' : 'dead-letter queue empty';
    checks.push(passed('events.queue', title, `${parts.queueUrl} can be read (${PERMISSIONS}): ${backlog}; ${dead}`));
  }
  if (report.silent.length > 0) {
    const where = report.silent.map((s) => `${s.accountId}/${s.region}`).join(', ');
    checks.push(
      failed(
        'events.pipeline',
        'Events pipeline',
        `scans saw key access change in ${where} with no event from there since: their events do not reach the queue`,
        'deploy deploy/events-member.yml in those accounts and regions (a StackSet skips the management account and regions enabled later), and check that a trail logs their management events',
      ),
    );
  } else {
    const seen =
      report.sourceCount === 0 ? 'no event seen yet' : `events seen from ${report.sourceCount} account-region(s)`;
    checks.push(
      passed('events.pipeline', 'Events pipeline', `${seen}; no account-region is silent while its keys change`),
    );
  }
  return checks;
}

const NO_RECORD = { eventSources: () => [], silentSources: () => [], botState: () => undefined };
