import { refusedReply } from '../blocks/replies.js';
import type { BotDeps, Respond } from './deps.js';

/** Who did something, as the record shows it. */
export const actorOf = (userId: string): string => `slack:${userId}`;

/** Admins only; a refusal is recorded in the audit log with who tried what. */
export async function allowed(deps: BotDeps, userId: string, what: string): Promise<boolean> {
  if (await deps.admins.isAdmin(userId)) return true;
  await deps.record.refused(actorOf(userId), what, what.split(' ').slice(1).join(' ') || what, deps.now());
  deps.log.warn({ event: 'refused', user: userId, action: what }, 'not an admin');
  return false;
}

/** A button only admins may use: anyone else is told (`refused` says what they may not do), and nothing happens. */
export async function clickAllowed(
  deps: BotDeps,
  userId: string,
  what: string,
  respond: Respond,
  refused: string,
): Promise<boolean> {
  if (await allowed(deps, userId, what)) return true;
  await respond(refusedReply(refused));
  return false;
}
