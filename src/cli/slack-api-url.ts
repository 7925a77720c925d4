import { SentinelError } from '../core/errors.js';

/** SLACK_API_URL, checked and ending in a slash; undefined when unset (Slack's own). */
export function slackApiUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const apiUrl = env.SLACK_API_URL?.trim() || undefined;
  if (apiUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(apiUrl)) {
    throw new SentinelError('environment', `SLACK_API_URL ${JSON.stringify(apiUrl)} is not an http(s) URL`);
  }
  return apiUrl === undefined ? undefined : apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}
