import { messageOf } from '../core/errors.js';
import type { Log } from '../usecases/log-port.js';
import type { SlackPort } from '../usecases/slack-port.js';

/** How long a user group's members are trusted before they are looked up again. */
const GROUP_TTL_MS = 5 * 60_000;

/**
 * Who may change things: the users named in `slack.admins`, and the members of the user groups named there
 * (looked up with usergroups.users.list, cached for a few minutes). Checked on the server for every command, button
 * and modal; what a request says about its sender beyond Slack's signed user ID is never trusted.
 */
export class Admins {
  private readonly users: ReadonlySet<string>;
  private readonly groups: readonly string[];
  private readonly slack: SlackPort;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly cache = new Map<string, { members: ReadonlySet<string>; at: number }>();

  constructor(admins: readonly string[], slack: SlackPort, log: Log, now: () => number = Date.now) {
    this.users = new Set(admins.filter((id) => !id.startsWith('S')));
    this.groups = admins.filter((id) => id.startsWith('S'));
    this.slack = slack;
    this.log = log;
    this.now = now;
  }

  async isAdmin(userId: string): Promise<boolean> {
    if (this.users.has(userId)) return true;
    for (const group of this.groups) if ((await this.members(group)).has(userId)) return true;
    return false;
  }

  private async members(group: string): Promise<ReadonlySet<string>> {
    const cached = this.cache.get(group);
    if (cached !== undefined && this.now() - cached.at < GROUP_TTL_MS) return cached.members;
    try {
      const members = new Set(await this.slack.usergroupMembers(group));
      this.cache.set(group, { members, at: this.now() });
      return members;
    } catch (error) {
      // Failing closed: a group that cannot be read grants nobody until it can be read again.
      this.log.warn({ event: 'admins', group, error: messageOf(error) }, 'cannot read an admin user group');
      return new Set();
    }
  }
}
