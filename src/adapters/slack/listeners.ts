import type { App } from '@slack/bolt';
import { messageOf } from '../../core/errors.js';
import type { Log } from '../../usecases/log-port.js';
import type { BotListeners } from '../../usecases/slack-listeners.js';
import { ACTIONS, COMMAND, VIEWS } from '../../usecases/slack-surface.js';
import {
  ackFormOf,
  asEphemeral,
  asResponse,
  checkFormOf,
  forceTicked,
  modalClickOf,
  trustClickOf,
  undoClickOf,
} from './payloads.js';

/** Every command, button, modal and event the surface names, each acked at once with what the bot says. */
export function registerListeners(app: App, listeners: BotListeners, log: Log): void {
  app.command(COMMAND, async ({ command, ack, respond }) => {
    const reply = await listeners.command(
      command.user_id,
      command.text,
      (r) => respond(asResponse(r)),
      command.trigger_id,
    );
    await ack(reply === undefined ? undefined : asResponse(reply));
  });

  app.action(ACTIONS.acknowledge, async ({ ack, body, respond }) => {
    await ack();
    const click = modalClickOf(body);
    if (click === undefined) return;
    await listeners.acknowledgeClick({ userId: body.user.id, ...click }, (r) => respond(asEphemeral(r)));
  });

  const trust = async (args: { ack: () => Promise<void>; body: unknown; respond: (m: object) => Promise<unknown> }) => {
    await args.ack();
    const click = trustClickOf(args.body);
    if (click === undefined) return;
    const userId = (args.body as { user: { id: string } }).user.id;
    await listeners.trustClick({ userId, ...click }, (r) => args.respond(asEphemeral(r)));
  };
  app.action(ACTIONS.trustAccount, (args) => trust(args));
  app.action(ACTIONS.trustAccountMenu, (args) => trust(args));

  app.action(ACTIONS.scanNow, async ({ ack, body }) => {
    await ack();
    await listeners.scanNow(body.user.id);
  });

  app.view(VIEWS.acknowledge, async ({ ack, body, view }) => {
    const errors = await listeners.acknowledgeSubmit({
      userId: body.user.id,
      viewId: view.id,
      metadata: view.private_metadata,
      ...ackFormOf(view.state.values),
    });
    await ack(errors === undefined ? undefined : { response_action: 'errors', errors });
  });

  app.action(ACTIONS.remediate, async ({ ack, body, respond }) => {
    await ack();
    const click = modalClickOf(body);
    if (click === undefined) return;
    await listeners.remediateClick({ userId: body.user.id, ...click }, (r) => respond(asEphemeral(r)));
  });

  app.action(ACTIONS.undoRemediation, async ({ ack, body, respond }) => {
    await ack();
    const click = undoClickOf(body);
    if (click === undefined) return;
    await listeners.undoClick({ userId: body.user.id, ...click }, (r) => respond(asEphemeral(r)));
  });

  app.view(VIEWS.remediate, async ({ ack, body, view }) => {
    const answer = await listeners.remediateSubmit({
      userId: body.user.id,
      viewId: view.id,
      metadata: view.private_metadata,
      force: forceTicked(view.state.values),
    });
    if (answer?.errors !== undefined) await ack({ response_action: 'errors', errors: answer.errors });
    else if (answer?.update !== undefined) await ack({ response_action: 'update', view: answer.update as never });
    else await ack();
  });

  app.view(VIEWS.check, async ({ ack, body, view }) => {
    const answer = await listeners.checkSubmit({ userId: body.user.id, ...checkFormOf(view.state.values) });
    if (answer.errors !== undefined) await ack({ response_action: 'errors', errors: answer.errors });
    else if (answer.update !== undefined) await ack({ response_action: 'update', view: answer.update as never });
    else await ack();
  });

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await listeners.homeOpened(event.user).catch((error: unknown) => {
      log.warn({ event: 'home', user: event.user, error: messageOf(error) }, 'could not publish the Home tab');
    });
  });
}
