import { parseArgs } from 'node:util';
import { openStore } from '../../compose.js';
import { acknowledge } from '../../usecases/acknowledge.js';
import { cliActor, configFor } from '../context.js';
import type { Io } from '../io.js';
import { usageError } from '../usage-error.js';

export const ackHelp = `Usage: kms-sentinel ack FINGERPRINT --reason TEXT [--until YYYY-MM-DD|ISO-TIME] [--config FILE] [--db FILE]

Acknowledges an open finding: it stays on record but is no longer open. With --until, it opens again after that time.
`;

export async function ackCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      until: { type: 'string' },
      config: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(ackHelp);
    return 0;
  }
  const [fingerprint, ...rest] = positionals;
  if (fingerprint === undefined || rest.length > 0)
    throw usageError('ack takes exactly one finding fingerprint (see "kms-sentinel findings")');
  if (!values.reason) throw usageError('--reason TEXT is required: say why this exposure is accepted');
  const { store } = openStore(await configFor(values.config, io), values.db);
  try {
    const finding = acknowledge(store, {
      fingerprint,
      reason: values.reason,
      until: values.until,
      actor: cliActor(io),
      now: new Date(),
    });
    io.stdout(`Acknowledged ${finding.fingerprint}${finding.ackUntil ? ` until ${finding.ackUntil}` : ''}.\n`);
    return 0;
  } finally {
    store.close();
  }
}
