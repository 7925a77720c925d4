import type { AckSubmission, CheckSubmission, Reply } from '../../usecases/slack-listeners.js';

/** What a button's payload carries, as far as the listeners read it. */
type ActionBody = {
  trigger_id?: string;
  actions?: { value?: string; selected_option?: { value: string }; action_ts?: string }[];
  container?: { channel_id?: string; message_ts?: string };
  channel?: { id?: string };
  message?: { ts?: string };
};

/** Where the message a button sits in is: the container Slack names, never anything the button carries. */
export function locationOf(body: unknown): { channel: string; ts: string } | undefined {
  const b = body as ActionBody;
  const channel = b.container?.channel_id ?? b.channel?.id;
  const ts = b.container?.message_ts ?? b.message?.ts;
  return channel === undefined || ts === undefined ? undefined : { channel, ts };
}

/** A button that opens a modal: where its alert is, and the trigger a modal needs. */
export function modalClickOf(
  body: unknown,
): { location: { channel: string; ts: string }; triggerId: string } | undefined {
  const location = locationOf(body);
  const triggerId = (body as ActionBody).trigger_id;
  return location === undefined || triggerId === undefined ? undefined : { location, triggerId };
}

/** Trust (a button, or an option of a menu): the account it names, and a key that makes a replayed click act once. */
export function trustClickOf(
  body: unknown,
): { account: string; location: { channel: string; ts: string }; requestKey: string } | undefined {
  const action = (body as ActionBody).actions?.[0];
  const account = action?.value ?? action?.selected_option?.value;
  const location = locationOf(body);
  if (account === undefined || location === undefined) return undefined;
  return {
    account,
    location,
    requestKey: `action:${location.channel}:${location.ts}:${account}:${action?.action_ts ?? ''}`,
  };
}

/** Undo: the remediation it names, and a key that makes a replayed click act once. */
export function undoClickOf(body: unknown): { remediationId: string; requestKey: string } | undefined {
  const action = (body as ActionBody).actions?.[0];
  if (action?.value === undefined) return undefined;
  return { remediationId: action.value, requestKey: `undo:${action.value}:${action.action_ts ?? ''}` };
}

/** What the Acknowledge modal's fields hold. */
export function ackFormOf(values: unknown): Pick<AckSubmission, 'reason' | 'period' | 'date'> {
  const v = values as Record<
    string,
    Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_date?: string | null }>
  >;
  return {
    reason: v.ack_reason?.reason?.value ?? '',
    period: v.ack_period?.period?.selected_option?.value,
    date: v.ack_date?.date?.selected_date ?? undefined,
  };
}

/** Whether the Remediate modal's "force" box is ticked. */
export function forceTicked(values: unknown): boolean {
  const v = values as Record<string, Record<string, { selected_options?: { value: string }[] }>>;
  return (v.remediate_force?.force?.selected_options ?? []).some((o) => o.value === 'force');
}

/** What the check modal's inputs hold (an input left empty holds nothing). */
export function checkFormOf(values: unknown): Pick<CheckSubmission, 'policy' | 'account'> {
  const v = values as Record<string, Record<string, { value?: string | null }>>;
  return { policy: v.check_policy?.policy?.value ?? '', account: v.check_account?.account?.value ?? '' };
}

export function asResponse(reply: Reply) {
  return { response_type: reply.response_type, text: reply.text, blocks: reply.blocks as never[] };
}

/** A reply to a button: seen by the clicker only, and never in place of the alert it came from. */
export function asEphemeral(reply: Reply) {
  return { ...asResponse(reply), response_type: 'ephemeral' as const, replace_original: false };
}
