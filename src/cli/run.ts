import { type ErrorHint, isSentinelError, messageOf } from '../core/errors.js';
import { printable, printableLines } from '../core/printable.js';
import { EXIT_DATABASE, EXIT_INTERNAL, EXIT_USAGE } from './exit-codes.js';
import type { Io } from './io.js';
import { packageVersion } from './version.js';

interface Command {
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
  readonly help: string;
}

/** Commands load on demand, so that `check-policy` never pays for the AWS SDK. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: {
    summary: 'scan a built-in organization served by the AWS sandbox (no AWS account needed)',
    load: async () => {
      const m = await import('./commands/demo.js');
      return { run: m.demoCommand, help: m.demoHelp };
    },
  },
  'check-policy': {
    summary: 'report who outside the trust zone a key policy lets in',
    load: async () => {
      const m = await import('./commands/check-policy.js');
      return { run: m.checkPolicyCommand, help: m.checkPolicyHelp };
    },
  },
  'check-iac': {
    summary: 'judge the key policies of CloudFormation templates and Terraform plans before they deploy',
    load: async () => {
      const m = await import('./commands/check-iac.js');
      return { run: m.checkIacCommand, help: m.checkIacHelp };
    },
  },
  trust: {
    summary: 'add, remove or list trusted accounts, principals and organizations',
    load: async () => {
      const m = await import('./commands/trust.js');
      return { run: m.trustCommand, help: m.trustHelp };
    },
  },
  findings: {
    summary: 'list the recorded findings by status',
    load: async () => {
      const m = await import('./commands/records.js');
      return { run: m.findingsCommand, help: m.findingsHelp };
    },
  },
  who: {
    summary: 'every key an account, principal or organization can use, from the record (blast radius)',
    load: async () => {
      const m = await import('./commands/questions.js');
      return { run: m.whoCommand, help: m.whoHelp };
    },
  },
  key: {
    summary: 'one key from the record: who outside its account can use it, its findings and their history',
    load: async () => {
      const m = await import('./commands/questions.js');
      return { run: m.keyCommand, help: m.keyHelp };
    },
  },
  ack: {
    summary: 'acknowledge a finding, with a reason and optionally an end date',
    load: async () => {
      const m = await import('./commands/ack.js');
      return { run: m.ackCommand, help: m.ackHelp };
    },
  },
  scans: {
    summary: 'list the recorded scans',
    load: async () => {
      const m = await import('./commands/records.js');
      return { run: m.scansCommand, help: m.scansHelp };
    },
  },
  audit: {
    summary: 'show the audit log',
    load: async () => {
      const m = await import('./commands/records.js');
      return { run: m.auditCommand, help: m.auditHelp };
    },
  },
  outbox: {
    summary: 'list the Slack notifications not delivered yet, and retry failed ones',
    load: async () => {
      const m = await import('./commands/outbox.js');
      return { run: m.outboxCommand, help: m.outboxHelp };
    },
  },
  remediate: {
    summary: "plan and apply the smallest key-policy and grant change that ends a key's findings",
    load: async () => {
      const m = await import('./commands/remediate.js');
      return { run: m.remediateCommand, help: m.remediateHelp };
    },
  },
  undo: {
    summary: 'put back the key policy a remediation replaced',
    load: async () => {
      const m = await import('./commands/remediate.js');
      return { run: m.undoCommand, help: m.undoHelp };
    },
  },
  remediations: {
    summary: 'list the remediations on record',
    load: async () => {
      const m = await import('./commands/remediate.js');
      return { run: m.remediationsCommand, help: m.remediationsHelp };
    },
  },
  'iam-policy': {
    summary: 'print the IAM policy the configured features need (the audit role, or --scanner)',
    load: async () => {
      const m = await import('./commands/iam-policy.js');
      return { run: m.iamPolicyCommand, help: m.iamPolicyHelp };
    },
  },
  doctor: {
    summary: 'check the config, AWS access, Slack and the database, and say how to fix what fails',
    load: async () => {
      const m = await import('./commands/doctor.js');
      return { run: m.doctorCommand, help: m.doctorHelp };
    },
  },
  serve: {
    summary: 'run the Slack bot: scheduled scans, alerts, /kms, buttons and the Home tab',
    load: async () => {
      const m = await import('./commands/serve.js');
      return { run: m.serveCommand, help: m.serveHelp };
    },
  },
  watch: {
    summary: 'read the KMS change events queue and re-check each changed key at once, without Slack',
    load: async () => {
      const m = await import('./commands/watch.js');
      return { run: m.watchCommand, help: m.watchHelp };
    },
  },
  scan: {
    summary: 'scan every customer-managed key in the configured accounts and regions',
    load: async () => {
      const m = await import('./commands/scan.js');
      return { run: m.scanCommand, help: m.scanHelp };
    },
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const commands = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `Usage: kms-sentinel COMMAND [OPTIONS]

Keeps AWS KMS keys from being opened to accounts nobody trusts.

Commands:
${commands}

Run "kms-sentinel COMMAND --help" for a command's options, "kms-sentinel --version" for the version.
`;
}

/** `kms-sentinel <version>`. */
async function versionLine(io: Io): Promise<string> {
  return `kms-sentinel ${await packageVersion(io)}\n`;
}

/** Runs one CLI invocation and returns its exit status. Never throws. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const end = argv.indexOf('--');
  const before = end === -1 ? argv : argv.slice(0, end);
  const debug = before.includes('--debug') || io.env.KMS_SENTINEL_DEBUG === '1';
  const [name, ...args] = [...before.filter((a) => a !== '--debug'), ...(end === -1 ? [] : argv.slice(end))];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    const command = topic === undefined ? undefined : commandNamed(topic);
    io.stdout(command === undefined ? mainHelp() : (await command.load()).help);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    try {
      io.stdout(await versionLine(io));
      return 0;
    } catch (error) {
      return report(error, io, debug);
    }
  }
  const command = commandNamed(name);
  if (command === undefined) {
    io.stderr(`kms-sentinel: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  try {
    return await (await command.load()).run(args, io);
  } catch (error) {
    return report(error, io, debug);
  }
}

/** Only the table's own entries are commands ("constructor" is not). */
function commandNamed(name: string) {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** The CLI's words for what shared code leaves to each front end. */
const CLI_HINTS: Readonly<Record<ErrorHint, string>> = {
  'see-trust-list': ' (see "kms-sentinel trust list")',
  'choose-database': '; point --db or database: elsewhere',
  'no-database-yet': '; check --db or database:, or run "kms-sentinel scan" first',
};

function report(error: unknown, io: Io, debug: boolean): number {
  if (isSentinelError(error)) {
    const hint = error.hint === undefined ? '' : CLI_HINTS[error.hint];
    io.stderr(`kms-sentinel: ${printableLines(messageOf(error))}${hint} [${error.code}]\n`);
    if (debug && error.cause !== undefined) io.stderr(describeUnexpected(error.cause, true));
    return error.code === 'database-unusable' ? EXIT_DATABASE : EXIT_USAGE;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr(`kms-sentinel: ${printable(messageOf(error).replace(/\s*\n\s*/g, ' '))} [usage]\n`);
    return EXIT_USAGE;
  }
  io.stderr(describeUnexpected(error, debug));
  return EXIT_INTERNAL;
}

/**
 * An error the program did not expect: one line saying what failed and how to get more; the stack trace only in
 * debug mode (--debug or KMS_SENTINEL_DEBUG=1).
 */
export function describeUnexpected(error: unknown, debug: boolean): string {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = printable(what.split('\n')[0] ?? what).slice(0, 500);
  if (debug) {
    const stack = error instanceof Error && error.stack !== undefined ? error.stack : what;
    return `kms-sentinel: internal error: ${printableLines(stack)}\n`;
  }
  return `kms-sentinel: internal error (exit ${EXIT_INTERNAL}): ${line}. Run again with --debug (or KMS_SENTINEL_DEBUG=1) for the details, and please report it as a bug.\n`;
}
