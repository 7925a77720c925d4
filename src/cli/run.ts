import { isSentinelError } from '../core/errors.js';
import { checkPolicyCommand, checkPolicyHelp } from './commands/check-policy.js';
import type { Io } from './io.js';

type Command = (args: readonly string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string; help: string }> = {
  'check-policy': {
    run: checkPolicyCommand,
    summary: 'report who outside the trust zone a key policy lets in',
    help: checkPolicyHelp,
  },
};

export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const commands = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `Usage: kms-sentinel COMMAND [OPTIONS]

Keeps AWS KMS keys from being opened to accounts nobody trusts.

Commands:
${commands}

Run "kms-sentinel COMMAND --help" for a command's options.
`;
}

/** Runs one CLI invocation and returns its exit status. Never throws. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS[topic];
    io.stdout(command?.help ?? mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`kms-sentinel: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Io): number {
  if (isSentinelError(error)) {
    io.stderr(`kms-sentinel: ${error.message} [${error.code}]\n`);
    return EXIT_USAGE;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr(`kms-sentinel: ${(error as Error).message} [usage]\n`);
    return EXIT_USAGE;
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    const path = (error as { path?: string }).path ?? '';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'it is a directory';
    io.stderr(`kms-sentinel: cannot read ${path}: ${why} [unreadable-input]\n`);
    return EXIT_USAGE;
  }
  io.stderr(
    `kms-sentinel: internal error: ${(error as Error)?.stack ?? String(error)}\nPlease report this as a bug.\n`,
  );
  return EXIT_INTERNAL;
}
