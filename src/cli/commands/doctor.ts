import { composeDoctor, databasePath } from '../../compose.js';
import { loadConfig } from '../../config/load-config.js';
import { scanPlanFrom } from '../../config/scan-plan-from-config.js';
import type { Config } from '../../config/schema.js';
import { isSentinelError, type SentinelError } from '../../core/errors.js';
import { type DoctorCheck, failed, passed } from '../../usecases/doctor/check.js';
import { allPassed, runDoctor } from '../../usecases/doctor/doctor.js';
import type { SlackSettings } from '../../usecases/doctor/slack-checks.js';
import { requiredScopes } from '../../usecases/slack-surface.js';
import { EXIT_USAGE } from '../exit-codes.js';
import { formatDoctorJson, formatDoctorText } from '../format/doctor-report.js';
import type { Io } from '../io.js';
import { formatOption, parseCommandLine } from '../options.js';
import { readInput } from '../read-input.js';
import { slackApiUrl } from '../slack-api-url.js';
import { usageError } from '../usage-error.js';

export const doctorHelp = `Usage: kms-sentinel doctor [--config FILE] [--db FILE] [--format text|json] [--timeout SECONDS]

Checks what scans and the bot depend on, one line per check, and says how to fix each that fails:
  - the config is valid;
  - the AWS credentials work (sts:GetCallerIdentity); Organizations answers when organization.discover or
    organization.trustMembers is on;
  - in every configured or discovered account the role can be assumed (with the external ID), and kms:ListKeys
    answers in every region to scan;
  - when Slack is configured (SLACK_BOT_TOKEN is set, or the config has slack settings): the token (auth.test),
    the scopes the bot needs, the bot is a member of every alert channel, the admins' user groups resolve;
  - the database is writable, at the current schema, with WAL on (a database not created yet passes when its
    folder is writable); and, as the bot recorded it, whether its Slack delivery is paused (its token refused,
    or channels it is not in), with how many notifications wait or failed.
Nothing is changed: no database is created or upgraded, no key is read.

Options:
  --config FILE       config file (default: $KMS_SENTINEL_CONFIG, else ./kms-sentinel.yml when present)
  --db FILE           the database to check (default: the config's database:)
  --format FORMAT     text (default) or json: {"ok": …, "checks": [{"id", "title", "status", "ok", "detail", "fix"}]}
  --timeout SECONDS   the most the credentials check, and all of one account's checks, may take (default 30)

Environment: AWS credentials from the SDK's standard chain; SLACK_BOT_TOKEN, SLACK_API_URL as for serve.

Exit status: 0 every check passed, 1 a check failed, 2 bad arguments or a config that cannot be used.
`;

const DEFAULT_TIMEOUT_SECONDS = 30;
/** Accounts checked at once, and regions within one: enough to be quick, few enough not to be throttled. */
const ACCOUNT_CONCURRENCY = 8;
const REGION_CONCURRENCY = 8;

export async function doctorCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    config: { type: 'string' },
    db: { type: 'string' },
    format: { type: 'string', default: 'text' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(doctorHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`doctor takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const format = formatOption(values.format, ['text', 'json'] as const);
  const timeoutMs = timeoutOption(values.timeout) * 1000;
  const print = (checks: readonly DoctorCheck[]) =>
    io.stdout(format === 'json' ? formatDoctorJson(checks) : formatDoctorText(checks));

  let config: Config;
  let configCheck: DoctorCheck;
  try {
    const loaded = await loadConfig({
      flag: values.config,
      env: io.env,
      exists: io.fileExists,
      readFile: (path) => readInput(path, io.readFile),
    });
    config = loaded.config;
    configCheck = passed(
      'config',
      'config',
      loaded.path === undefined ? 'no config file: the built-in defaults' : `${loaded.path} is valid`,
    );
  } catch (error) {
    if (!isSentinelError(error) || error.code === 'usage') throw error;
    // Nothing else means anything without a config: this one line, and the exit status of a bad config.
    print([configFailure(error)]);
    return EXIT_USAGE;
  }

  const database = databasePath(config, values.db);
  const token = io.env.SLACK_BOT_TOKEN?.trim() || undefined;
  const slack = slackSettings(config, token);
  const parts = await composeDoctor(
    config,
    io.env,
    token === undefined ? undefined : { botToken: token, apiUrl: slackApiUrl(io.env) },
    timeoutMs,
    database,
  );
  try {
    const checks = await runDoctor(
      {
        plan: scanPlanFrom(config),
        slack,
        databasePath: database,
        aws: {
          timeoutMs,
          accountConcurrency: ACCOUNT_CONCURRENCY,
          regionConcurrency: Math.min(REGION_CONCURRENCY, config.scan.regionConcurrency),
        },
      },
      parts,
    );
    const all = [configCheck, ...checks];
    print(all);
    return allPassed(all) ? 0 : 1;
  } finally {
    parts.close();
  }
}

/** What doctor checks of Slack; undefined when Slack is not configured at all (no token, no slack settings). */
function slackSettings(config: Config, token: string | undefined): SlackSettings | undefined {
  const otherChannels = [
    ...(config.accounts ?? []).flatMap((a) => (a.channel === undefined ? [] : [a.channel])),
    ...(config.summary?.channel === undefined ? [] : [config.summary.channel]),
  ];
  const configured = config.slack.channel !== undefined || config.slack.admins.length > 0 || otherChannels.length > 0;
  if (token === undefined && !configured) return undefined;
  const channels = [
    ...new Set([...(config.slack.channel === undefined ? [] : [config.slack.channel]), ...otherChannels]),
  ];
  return {
    defaultChannel: config.slack.channel,
    channels,
    adminGroups: config.slack.admins.filter((id) => id.startsWith('S')),
    requiredScopes: requiredScopes(),
  };
}

function configFailure(error: SentinelError): DoctorCheck {
  const fix =
    error.code === 'config-not-found'
      ? 'check --config or KMS_SENTINEL_CONFIG'
      : error.code === 'invalid-config'
        ? 'correct the config file (each problem names its key) and run doctor again'
        : 'check that the config file can be read';
  return failed('config', 'config', error.message, fix);
}

function timeoutOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < 0.1 || seconds > 3600) {
    throw usageError(`--timeout must be a number of seconds from 0.1 to 3600, not ${JSON.stringify(text)}`);
  }
  return seconds;
}
