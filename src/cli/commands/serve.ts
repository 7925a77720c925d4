import { composeBot, composeLog, type SlackEnvironment } from '../../compose.js';
import type { Config } from '../../config/schema.js';
import { SentinelError } from '../../core/errors.js';
import { configFor } from '../context.js';
import type { Io } from '../io.js';
import { parseCommandLine } from '../options.js';
import { slackApiUrl } from '../slack-api-url.js';
import { usageError } from '../usage-error.js';

export const serveHelp = `Usage: kms-sentinel serve [--config FILE] [--db FILE]

Runs the Slack bot: scans on the config's schedule, posts new findings to their channels, and answers /kms, the
alerts' buttons and the Home tab. Logs are JSON lines on stderr (LOG_LEVEL: info by default).

Environment:
  SLACK_BOT_TOKEN        the app's Bot User OAuth Token (xoxb-…), required
  SLACK_SIGNING_SECRET   HTTP: Slack's requests come to PORT at /slack/events, each signature checked and each
                         timestamp within five minutes of now, ahead or behind
  SLACK_APP_TOKEN        Socket Mode instead (xapp-…, with connections:write): nothing exposed to the internet
  PORT                   HTTP port for Slack (HTTP mode) and GET /healthz (both modes); default 3000
  SLACK_API_URL          the Web API's base URL (default Slack's own)

Exit status: 0 stopped by SIGTERM or SIGINT, 2 bad configuration or environment (one line says what to fix: a
PORT already in use, say), 4 the database cannot be used.
`;

export async function serveCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(serveHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`serve takes no arguments, but was given ${JSON.stringify(positionals[0])}`);
  const config = await configFor(values.config, io);
  const slackEnv = slackEnvironment(io.env);
  assertChannels(config);
  const log = await composeLog(io.env.LOG_LEVEL, { pretty: io.stderrIsTTY });
  const system = await composeBot(config, io.env, slackEnv, { db: values.db, log });
  const { port } = await system.start();
  log.info(
    { event: 'serve', mode: system.mode, port, schedule: config.schedule, timezone: config.timezone },
    'listening',
  );
  return new Promise<number>((resolve) => {
    const stopWatching = io.onInterrupt?.(async () => {
      log.info({ event: 'serve' }, 'stopping');
      await system.stop();
      log.info({ event: 'serve' }, 'stopped');
      log.flush();
      stopWatching?.();
      resolve(0);
      return 0;
    });
  });
}

/** Reads and checks the bot's environment; each problem is one line naming the variable to fix. */
export function slackEnvironment(env: Readonly<Record<string, string | undefined>>): SlackEnvironment {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!botToken) {
    throw new SentinelError(
      'environment',
      "SLACK_BOT_TOKEN is not set: set it to the app's Bot User OAuth Token (xoxb-…)",
    );
  }
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim() || undefined;
  const appToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  if (signingSecret === undefined && appToken === undefined) {
    throw new SentinelError(
      'environment',
      "set SLACK_SIGNING_SECRET (the app's signing secret: Slack sends requests over HTTP) or SLACK_APP_TOKEN (an app-level token, xapp-…: Socket Mode)",
    );
  }
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    throw new SentinelError(
      'environment',
      'SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write',
    );
  }
  const portText = env.PORT?.trim() || '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new SentinelError('environment', `PORT ${JSON.stringify(env.PORT)} is not a port number (0 to 65535)`);
  }
  return { botToken, signingSecret, appToken, apiUrl: slackApiUrl(env), port };
}

function assertChannels(config: Config): void {
  if (config.slack.channel === undefined) {
    throw new SentinelError(
      'invalid-config',
      "slack.channel is not set: the bot needs a default channel for alerts (the channel's ID, such as C0123ALERTS)",
    );
  }
}
