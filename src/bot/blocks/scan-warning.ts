import type { Notification } from '../../core/notifications.js';
import { type Message, section } from './kit.js';
import { code, outside, truncate } from './mrkdwn.js';

type Incomplete = Extract<Notification, { kind: 'scan-incomplete' }>;

/** The short warning an incomplete scheduled scan posts: what could not be read, and that findings there stand. */
export function scanWarning(n: Incomplete): Message {
  const lines = n.failures.slice(0, 8).map((f) => {
    const where = [f.accountId, f.region, f.keyId].filter((x) => x !== null).join('/');
    return `• ${code(f.code)} ${code(where)}: ${truncate(outside(f.message), 200)}`;
  });
  const more =
    n.failureCount > lines.length ? `\n…and ${n.failureCount - lines.length} more: ${code('kms-sentinel scans')}` : '';
  return {
    text: `The scheduled scan was incomplete: ${n.failureCount} part${n.failureCount === 1 ? '' : 's'} could not be read`,
    blocks: [
      section(
        `:warning: *The scheduled scan was incomplete.* Where it could not read, findings stand as they were and nothing is resolved:\n${lines.join('\n')}${more}`,
      ),
    ],
  };
}
