import { safe } from '../../core/printable.js';
import { deliveryHealth } from '../../usecases/delivery-health.js';
import type { OutboxRecord } from '../../usecases/store-port.js';
import { cliActor, configFor, withReader, withRecord } from '../context.js';
import type { Io } from '../io.js';
import { formatOption, limitOption, parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const outboxHelp = `Usage: kms-sentinel outbox list [--failed] [--limit N] [--format table|json] [--config FILE] [--db FILE]
       kms-sentinel outbox retry ID... [--config FILE] [--db FILE]
       kms-sentinel outbox retry --failed [--config FILE] [--db FILE]

The outbox holds every Slack notification until the bot has delivered it.

"list" shows those not delivered yet, oldest first (default 100, at most 100000; --failed: only the failed ones):
ID, state (pending, sending, failed), kind, where it goes (its channel once tried, else its account), attempts,
when it is tried next, and Slack's last error; and whether the bot's delivery is paused (Slack refusing its token,
or channels it is not in). Only reads: the database must exist.

"retry" puts failed notifications back in the queue, each with the rest of the Slack message it belongs to (IDs
from "outbox list"; --failed: every failed one). A running bot sends them within 30 seconds (after looking in
Slack for an earlier attempt, so nothing is posted twice), or the bot sends them when it starts. Each is written to
the audit log (notification-retried, by cli:USER). An ID that does not exist or is not failed is refused, and then
nothing is retried.

Exit status: 0 done (also when there is nothing to list or retry); 2 bad usage, or an ID unknown or not failed;
4 the database cannot be used.
`;

const DEFAULT_LIMIT = 100;

export async function outboxCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    failed: { type: 'boolean' },
    limit: { type: 'string' },
    format: { type: 'string' },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    io.stdout(outboxHelp);
    return values.help ? 0 : 2;
  }
  if (action === 'list') {
    if (rest.length > 0) throw usageError(`outbox list takes no arguments, but was given ${JSON.stringify(rest[0])}`);
    const format = formatOption(values.format ?? 'table', ['table', 'json'] as const);
    const limit = values.limit === undefined ? DEFAULT_LIMIT : limitOption(values.limit);
    const config = await configFor(values.config, io);
    return withReader(config, values.db, (reader) => {
      const counts = reader.outboxCounts();
      const total = values.failed ? counts.failed : counts.pending + counts.sending + counts.failed;
      const rows = reader.outbox(limit, { failed: values.failed === true });
      const delivery = deliveryHealth(reader.deliveryPauses());
      if (format === 'json') {
        io.stdout(
          `${JSON.stringify({ delivery, notifications: rows.map(listed), more: Math.max(0, total - rows.length) }, null, 2)}\n`,
        );
        return 0;
      }
      if (delivery.reason !== null) {
        io.stdout(
          safe`Delivery is paused: Slack refuses the bot token (${delivery.reason}) since ${delivery.since}; nothing is posted until it works again.\n`,
        );
      }
      for (const c of delivery.channels) {
        io.stdout(safe`Delivery to ${c.channel} is paused: ${c.why} (${c.reason}) since ${c.since}; ${c.fix}.\n`);
      }
      if (rows.length === 0) {
        io.stdout(values.failed ? 'No failed notifications.\n' : 'Every notification has been delivered.\n');
        return 0;
      }
      for (const r of rows) io.stdout(line(r));
      if (total > rows.length) io.stdout(`+${total - rows.length} more (--limit N shows more)\n`);
      return 0;
    });
  }
  if (action === 'retry') {
    if (values.format !== undefined) throw usageError('--format goes with outbox list');
    if (values.limit !== undefined) throw usageError('--limit goes with outbox list');
    if (values.failed && rest.length > 0) throw usageError('outbox retry takes IDs or --failed, not both');
    if (!values.failed && rest.length === 0) {
      throw usageError(
        'outbox retry needs the IDs of failed notifications (see "kms-sentinel outbox list"), or --failed',
      );
    }
    const ids = [...new Set(rest.map(notificationId))];
    const config = await configFor(values.config, io);
    return withRecord(config, values.db, 'existing', async (record) => {
      const retried = await record.retryNotifications(values.failed ? 'failed' : ids, cliActor(io), new Date());
      if (retried.length === 0) {
        io.stdout('No failed notifications: nothing to retry.\n');
        return 0;
      }
      const named = new Set(ids);
      const along = retried.filter((r) => !named.has(r.id));
      io.stdout(
        `Put ${retried.length} notification${retried.length === 1 ? '' : 's'} back in the queue: ${retried.map((r) => `#${r.id}`).join(', ')}.\n`,
      );
      if (!values.failed && along.length > 0) {
        io.stdout(
          `${along.map((r) => `#${r.id}`).join(', ')} ${along.length === 1 ? 'is' : 'are'} in the same Slack message as one named, so ${along.length === 1 ? 'it goes' : 'they go'} again with it.\n`,
        );
      }
      io.stdout('A running bot sends them within 30 seconds; each retry is in the audit log.\n');
      return 0;
    });
  }
  throw usageError(`unknown outbox action ${JSON.stringify(action)}; use list or retry`);
}

function notificationId(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw usageError(`${JSON.stringify(text)} is not a notification ID (see "kms-sentinel outbox list")`);
  }
  return Number(text);
}

/** Where a notification goes: its channel once a delivery took it, else the account whose channel it goes to. */
function destination(r: OutboxRecord): string {
  const target = r.deliveryTarget;
  if (target !== null && target.channel !== '') {
    return target.threadTs === null ? target.channel : `${target.channel} (thread ${target.threadTs})`;
  }
  return r.accountId === null ? '-' : `account ${r.accountId}`;
}

function line(r: OutboxRecord): string {
  const next = r.state === 'pending' && r.nextAttemptAt !== null ? `  next ${r.nextAttemptAt}` : '';
  const error = r.lastError === null ? '' : `  ${r.lastError}`;
  return safe`#${r.id}  ${r.state.padEnd(7)}  ${r.kind}  ${destination(r)}  attempts ${r.attempts}${next}${error}\n`;
}

function listed(r: OutboxRecord) {
  return {
    id: r.id,
    state: r.state,
    kind: r.kind,
    createdAt: r.createdAt,
    accountId: r.accountId,
    fingerprint: r.fingerprint,
    deliveryId: r.deliveryId,
    channel: r.deliveryTarget?.channel || null,
    threadTs: r.deliveryTarget?.threadTs ?? null,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt,
    lastError: r.lastError,
  };
}
