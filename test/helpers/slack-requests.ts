import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** Slack's v0 signature of exactly these bytes, at `ts` (seconds). */
export function signature(body: string, secret = SIGNING_SECRET, ts = Math.floor(Date.now() / 1000)) {
  const hmac = createHmac('sha256', secret).update(`v0:${ts}:${body}`, 'utf8').digest('hex');
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac}` };
}

export interface Posted {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
  /** Milliseconds from sending to the answer. */
  readonly ms: number;
}

/** POSTs a body as Slack does: form-encoded with the exact content type Bolt expects, or JSON for events. */
export async function postSigned(
  url: string,
  body: string,
  options: { json?: boolean; secret?: string; ts?: number; headers?: Record<string, string> } = {},
): Promise<Posted> {
  const start = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
      ...signature(body, options.secret, options.ts),
      ...options.headers,
    },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, ms: performance.now() - start };
}

/** A slash command's form body, with the fields Slack sends. */
export function commandBody(text: string, user: string, responseUrl: string): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'test',
    channel_id: 'C0CMD',
    channel_name: 'security',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/kms',
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: `trigger-${user}-${Date.now()}`,
  }).toString();
}

/** An interaction (button, modal) as Slack posts it: `payload=` and the JSON, form-encoded. */
export function interactionBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

let actionCounter = 0;

/** A click on a button (or a choice in a menu) of the message at channel/ts. */
export function blockAction(
  user: string,
  message: { channel: string; ts: string },
  action: { action_id: string; value?: string; selected?: string },
  responseUrl: string,
) {
  actionCounter++;
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'test' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${actionCounter}`,
    container: { type: 'message', channel_id: message.channel, message_ts: message.ts, is_ephemeral: false },
    channel: { id: message.channel, name: 'alerts' },
    message: { type: 'message', ts: message.ts, text: 'alert' },
    response_url: responseUrl,
    actions: [
      {
        type: action.selected === undefined ? 'button' : 'overflow',
        action_id: action.action_id,
        block_id: 'b',
        ...(action.value === undefined ? {} : { value: action.value }),
        ...(action.selected === undefined ? {} : { selected_option: { value: action.selected } }),
        action_ts: `${Date.now() / 1000}.${actionCounter}`,
      },
    ],
  };
}

/** A modal submitted, with its values as Slack sends them. */
export function viewSubmission(
  user: string,
  view: { id: string; callback_id: string; private_metadata: string },
  values: unknown,
) {
  return {
    type: 'view_submission',
    team: { id: 'T1', domain: 'test' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    trigger_id: `trigger-view-${user}`,
    view: { ...view, type: 'modal', team_id: 'T1', app_id: 'A1', bot_id: 'BBOT', state: { values }, hash: 'h' },
  };
}

/** An Events API callback (app_home_opened, say), as JSON. */
export function eventBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
  });
}
