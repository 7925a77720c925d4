/**
 * Everything the bot shows Slack it handles: its command, the IDs of its buttons and modals, the events it listens
 * to, and the Web API methods it calls with the scope each needs. The Slack adapter registers exactly these, and a
 * test holds manifest.yml to them, so the two cannot drift apart.
 */
export const COMMAND = '/kms';

export const ACTIONS = {
  acknowledge: 'kms_acknowledge',
  trustAccount: 'kms_trust_account',
  trustAccountMenu: 'kms_trust_account_menu',
  scanNow: 'kms_scan_now',
  remediate: 'kms_remediate',
  undoRemediation: 'kms_undo_remediation',
} as const;

export const VIEWS = {
  acknowledge: 'kms_acknowledge_modal',
  remediate: 'kms_remediate_modal',
  check: 'kms_check_modal',
} as const;

export const EVENTS = ['app_home_opened'] as const;

/** Web API methods the bot calls, and the bot scope each needs (none: no scope required). */
export const METHOD_SCOPES = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'conversations.info': 'channels:read',
  'conversations.history': 'channels:history',
  'conversations.replies': 'channels:history',
  'views.open': null,
  'views.publish': null,
  'views.update': null,
  'usergroups.users.list': 'usergroups:read',
} as const;

/**
 * Scopes the bot needs beyond its methods': `commands` for the slash command; `groups:history` so that
 * conversations.history works in private channels too (after a crash it checks whether a message went out);
 * `groups:read` so that conversations.info sees private alert channels too (`doctor` checks the bot is in each).
 */
export const EXTRA_SCOPES = ['commands', 'groups:history', 'groups:read'] as const;

export type SlackMethod = keyof typeof METHOD_SCOPES;

/** Every bot scope the code needs. */
export function requiredScopes(): string[] {
  const fromMethods = Object.values(METHOD_SCOPES).filter((s): s is NonNullable<typeof s> => s !== null);
  return [...new Set([...fromMethods, ...EXTRA_SCOPES])].sort();
}
