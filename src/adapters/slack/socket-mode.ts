import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import { slackError } from './errors.js';
import { close } from './http-server.js';

/**
 * Bolt's options for Socket Mode: the app-level token opens the socket, and with SLACK_API_URL set the socket's own
 * Web API calls go there too, under the same timeout and without retries.
 */
export function socketModeOptions(appToken: string, apiUrl: string | undefined, timeoutMs: number) {
  return {
    appToken,
    socketMode: true,
    ...(apiUrl === undefined
      ? {}
      : {
          installerOptions: {
            clientOptions: { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, timeout: timeoutMs },
          },
        }),
  };
}

/** Opens the socket (once the server listens); an app token Slack refuses closes the server and says so. */
export async function openSocket(app: App, server: Server): Promise<void> {
  try {
    await app.start();
  } catch (error) {
    await close(server);
    throw slackError('SLACK_APP_TOKEN', error);
  }
}

/** Closes the socket; a socket that fails to close holds nothing up. */
export async function closeSocket(app: App): Promise<void> {
  await Promise.resolve()
    .then(() => app.stop())
    .catch(() => undefined);
}
