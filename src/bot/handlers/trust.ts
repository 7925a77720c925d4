import type { AlertLocation } from '../../usecases/store-port.js';
import { errorReply, failureReply, plainReply, trustReply } from '../blocks/replies.js';
import { openFindingsOf } from './alert-findings.js';
import { actorOf, clickAllowed } from './authorize.js';
import type { BotDeps, Respond } from './deps.js';

/** Trust on an alert (after Slack's own confirmation): trusts the account, if the alert really names it. */
export async function handleTrustClick(
  deps: BotDeps,
  request: { userId: string; account: string; location: AlertLocation; requestKey: string },
  respond: Respond,
): Promise<void> {
  if (!(await clickAllowed(deps, request.userId, `trust ${request.account}`, respond, 'trust accounts'))) return;
  if (!(await deps.record.claimRequest(request.requestKey, deps.now()))) return;
  if (deps.record.listTrust().some((t) => t.entry === request.account)) {
    await respond(plainReply(`${request.account} was already trusted; nothing changed.`));
    return;
  }
  // What the button carries is only a hint: the account must be one the alert's open findings name.
  const open = openFindingsOf(deps, request.location);
  const finding = open.find((f) => f.account === request.account);
  if (finding === undefined) {
    await respond(errorReply(`This alert has no open finding for account ${request.account}; nothing was trusted.`));
    return;
  }
  try {
    const note = `trusted from the alert of ${finding.aliases[0] ?? finding.keyArn} (finding ${finding.fingerprint})`;
    const change = await deps.record.addTrust(request.account, note, actorOf(request.userId), deps.now());
    deps.notifier.wake();
    deps.log.info(
      {
        event: 'button',
        user: request.userId,
        action: 'trust',
        outcome: 'done',
        account: request.account,
        resolved: change.resolved,
      },
      'trusted',
    );
    await respond(trustReply(change, true));
  } catch (error) {
    await respond(failureReply(error));
  }
}
