import { safe } from '../../core/printable.js';
import { parseAcknowledgementEnd } from '../../usecases/acknowledge.js';
import { cliActor, configFor, withRecord } from '../context.js';
import type { Io } from '../io.js';
import { parseCommandLine } from '../options.js';
import { usageError } from '../usage-error.js';

export const ackHelp = `Usage: kms-sentinel ack FINGERPRINT --reason TEXT [--until YYYY-MM-DD|ISO-TIME] [--config FILE] [--db FILE]

Acknowledges an open finding: it stays on record but is no longer open. With --until, it opens again at that time:
a date (YYYY-MM-DD, the start of that day in UTC) or a full ISO 8601 time with its zone
(2027-01-31T18:00:00Z, 2027-01-31T18:00+02:00), in the future, in a year up to 9999.
The database must exist (the fingerprint comes from "kms-sentinel findings").
`;

export async function ackCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    reason: { type: 'string' },
    until: { type: 'string' },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(ackHelp);
    return 0;
  }
  const [fingerprint, ...rest] = positionals;
  if (fingerprint === undefined || rest.length > 0)
    throw usageError('ack takes exactly one finding fingerprint (see "kms-sentinel findings")');
  if (!values.reason?.trim()) throw usageError('--reason TEXT is required: say why this exposure is accepted');
  const now = new Date();
  if (values.until !== undefined) parseAcknowledgementEnd(values.until, now);
  const config = await configFor(values.config, io);
  return withRecord(config, values.db, 'existing', async (record) => {
    const finding = await record.acknowledge({
      fingerprint,
      reason: values.reason ?? '',
      until: values.until,
      actor: cliActor(io),
      now,
    });
    io.stdout(safe`Acknowledged ${finding.fingerprint}${finding.ackUntil ? ` until ${finding.ackUntil}` : ''}.\n`);
    return 0;
  });
}
