import type { Config } from '../../config/schema.js';
import { homeView } from '../blocks/home.js';
import { actorOf } from './authorize.js';
import type { BotDeps } from './deps.js';

/** Scan now, from the Home tab. */
export async function handleScanNow(deps: BotDeps, userId: string): Promise<void> {
  const started = deps.scans.start(actorOf(userId));
  deps.log.info(
    { event: 'button', user: userId, action: 'scan', outcome: started.started ? 'started' : 'busy' },
    'scan now',
  );
  await publishHome(deps, userId);
}

export async function handleHomeOpened(deps: BotDeps, userId: string): Promise<void> {
  await deps.record.rememberHomeUser(userId, deps.now());
  await publishHome(deps, userId);
}

export async function publishHome(deps: BotDeps, userId: string): Promise<void> {
  const open = deps.record.findingCounts({ status: 'open', accountId: undefined }, deps.now());
  const last = deps.record.scans(1)[0];
  await deps.slack.publishHome(
    userId,
    homeView({
      openBySeverity: open.bySeverity,
      openByAccount: open.byAccount.map((a) => ({ ...a, name: accountName(deps.config, a.accountId) })),
      lastScan:
        last === undefined
          ? undefined
          : { finishedAt: last.finishedAt, startedBy: last.startedBy, complete: last.complete },
      nextScan: deps.nextScan(),
      running: deps.scans.running() !== undefined,
      trusted: deps.record.listTrust().length,
    }),
  );
}

export function accountName(config: Config, accountId: string): string | undefined {
  return config.accounts?.find((a) => a.id === accountId)?.name;
}
