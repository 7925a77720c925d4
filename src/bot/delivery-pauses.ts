import { pauseAdvice } from '../usecases/delivery-health.js';
import type { Log } from '../usecases/log-port.js';
import type { RecordPort } from '../usecases/record-port.js';
import { SlackCallError, type SlackPort } from '../usecases/slack-port.js';
import type { DeliveryPause } from '../usecases/store-port.js';

/** The longest wait between two checks of paused delivery. */
const MAX_PAUSE_CHECK_MS = 10 * 60_000;

export interface PauseSettings {
  /** Every channel the config sends to: a pause of any other is forgotten once no message waits for it. */
  readonly channels: readonly string[];
  /** The first check's wait; each further one waits twice as long, up to 10 min. */
  readonly pauseCheckMs: number;
  readonly now: () => Date;
  /** Called when a pause ends: what it held back can go. */
  readonly resumed: () => void;
}

/**
 * Where delivery is paused, as the record keeps it: the workspace (under '', while Slack refuses the token) and each
 * channel the bot may not post in. A pause is checked on the notifier's clock, backing off (auth.test for the token,
 * conversations.info for a channel); a check that passes lets the next message try, and only a message that goes
 * through ends the pause. One warning when delivery pauses, when the reason changes, and when it resumes.
 */
export class DeliveryPauses {
  private readonly record: RecordPort;
  private readonly slack: SlackPort;
  private readonly log: Log;
  private readonly settings: PauseSettings;
  private readonly pauses = new Map<string, DeliveryPause>();
  /**
   * Pauses whose check passed, or could not be made ('' for the workspace): the next message is tried, and only its
   * going through ends the pause.
   */
  private readonly probing = new Set<string>();

  constructor(record: RecordPort, slack: SlackPort, log: Log, settings: PauseSettings) {
    this.record = record;
    this.slack = slack;
    this.log = log;
    this.settings = settings;
  }

  /**
   * The pauses on record, each checked at once (the token the bot started with has just passed auth.test); a paused
   * channel nothing goes to any more is forgotten.
   */
  async load(): Promise<void> {
    this.clear();
    const now = this.settings.now().toISOString();
    for (const p of this.record.deliveryPauses()) this.pauses.set(p.channel, { ...p, nextCheckAt: now });
    for (const p of [...this.pauses.values()]) await this.forgetIfUnused(p);
  }

  /** Forgets what it holds in memory (another bot delivers now). */
  clear(): void {
    this.pauses.clear();
    this.probing.clear();
  }

  /** Whether every message waits: the token is refused, and no check has passed since. */
  tokenHeld(): boolean {
    return this.pauses.has('') && !this.probing.has('');
  }

  /** Whether the token is paused (held, or being tried again). */
  tokenPaused(): boolean {
    return this.pauses.has('');
  }

  /** Whether the token is being tried again: one message is the check, the rest wait for it. */
  tokenProbing(): boolean {
    return this.probing.has('');
  }

  /** Whether a channel's messages wait: all do while the token is held; a paused channel's, unless one is the check. */
  held(channel: string): boolean {
    if (channel === '') return false;
    if (this.tokenHeld()) return true;
    return this.pauses.has(channel) && !this.probing.has(channel);
  }

  /** The paused channels whose messages wait (not those whose next message is the check). */
  heldChannels(): string[] {
    return [...this.pauses.keys()].filter((c) => c !== '' && !this.probing.has(c));
  }

  /** When each pause is checked next. */
  nextChecks(): number[] {
    return [...this.pauses.values()].map((p) => Date.parse(p.nextCheckAt));
  }

  /** A message to `channel` is about to be tried: it is the check of the pauses that let it (the others wait). */
  trying(channel: string): void {
    this.probing.delete(channel);
    this.probing.delete('');
  }

  /** Checks each pause whose time has come: the token first, then each channel (while the token works). */
  async check(stopping: () => boolean): Promise<void> {
    for (const pause of [...this.pauses.values()]) {
      if (stopping()) return;
      const current = this.pauses.get(pause.channel);
      if (current === undefined || Date.parse(current.nextCheckAt) > this.now()) continue;
      if (current.scope === 'workspace') await this.checkToken(current);
      else if (!this.pauses.has('') && !(await this.forgetIfUnused(current))) await this.checkChannel(current);
    }
  }

  /**
   * A pause whose check passed, with nothing waiting that it holds (`waiting`: the channels of the messages due),
   * ends: no message can show it still holds, and the next one refused pauses again.
   */
  async resumeIdle(waiting: readonly string[]): Promise<void> {
    for (const key of [...this.probing]) {
      const pause = this.pauses.get(key);
      if (pause === undefined) continue;
      if (key === '' ? waiting.length > 0 : waiting.includes(key)) continue;
      await this.resumed(
        pause,
        key === ''
          ? 'Slack accepts the bot token again (auth.test), and nothing waits to be posted'
          : 'the bot may post there again (conversations.info), and nothing waits to be posted there',
      );
    }
  }

  /** A message went through: the pauses it was the check of end (the channel's, and the token's). */
  async wentThrough(channel: string): Promise<void> {
    const paused = this.pauses.get(channel);
    if (paused !== undefined) await this.resumed(paused, 'a message was posted there');
    const workspace = this.pauses.get('');
    if (workspace !== undefined) await this.resumed(workspace, 'a message was posted (Slack accepts the bot token)');
  }

  /** Slack refused a message to `channel` for a reason that passes: delivery pauses (all of it, or the channel). */
  async refused(channel: string, error: SlackCallError): Promise<void> {
    if (error.refusal === 'token') {
      await this.paused('workspace', '', error.error);
      return;
    }
    await this.paused('channel', channel, error.error);
    // Slack took the token to refuse the channel: a pause of the token is over.
    const workspace = this.pauses.get('');
    if (workspace !== undefined) await this.resumed(workspace, 'Slack accepts the bot token (it refused a channel)');
  }

  private now(): number {
    return this.settings.now().getTime();
  }

  /**
   * A paused channel the config no longer sends to, for which no message waits, is no pause of the bot's any more:
   * it is forgotten (true), with one log line, and nothing reports it.
   */
  private async forgetIfUnused(pause: DeliveryPause): Promise<boolean> {
    if (pause.scope !== 'channel' || this.settings.channels.includes(pause.channel)) return false;
    if (this.record.deliveryWaitsFor(pause.channel)) return false;
    this.pauses.delete(pause.channel);
    this.probing.delete(pause.channel);
    await this.record.resumeDelivery(pause.scope, pause.channel);
    this.log.info(
      { event: 'delivery', state: 'forgotten', scope: 'channel', channel: pause.channel, was: pause.reason },
      `delivery to ${pause.channel} is no longer paused: the config sends nothing there now, and no message waits for it`,
    );
    return true;
  }

  /**
   * Pauses delivery (the workspace, or one channel); a warning when it was not paused, or for another reason. Refused
   * again after a check passed, it stays paused as it was: its checks keep backing off, and nothing is logged.
   */
  private async paused(scope: DeliveryPause['scope'], channel: string, reason: string): Promise<void> {
    const before = this.pauses.get(channel);
    if (before !== undefined && before.reason === reason) return;
    const now = this.now();
    const pause: DeliveryPause = before ?? {
      scope,
      channel,
      reason,
      since: new Date(now).toISOString(),
      checks: 0,
      nextCheckAt: new Date(now + this.settings.pauseCheckMs).toISOString(),
    };
    await this.save({ ...pause, reason });
    const fields = { event: 'delivery', state: 'paused', scope, reason, ...(scope === 'channel' ? { channel } : {}) };
    const was = before === undefined ? {} : { was: before.reason };
    const { why, fix } = pauseAdvice({ scope, reason });
    if (scope === 'workspace') {
      this.log.warn({ ...fields, ...was }, `all delivery is paused: ${why}; ${fix}`);
    } else {
      this.log.warn({ ...fields, ...was }, `delivery to ${channel} is paused (its messages wait): ${why}; ${fix}`);
    }
  }

  private async resumed(pause: DeliveryPause, how: string): Promise<void> {
    this.pauses.delete(pause.channel);
    this.probing.delete(pause.channel);
    await this.record.resumeDelivery(pause.scope, pause.channel);
    this.log.warn(
      {
        event: 'delivery',
        state: 'resumed',
        scope: pause.scope,
        ...(pause.scope === 'channel' ? { channel: pause.channel } : {}),
        was: pause.reason,
        since: pause.since,
      },
      `delivery resumed: ${how}`,
    );
    this.settings.resumed();
  }

  private async save(pause: DeliveryPause): Promise<void> {
    this.pauses.set(pause.channel, pause);
    await this.record.pauseDelivery(pause);
  }

  /** The next check of a pause that still holds waits twice as long as the last, up to MAX_PAUSE_CHECK_MS. */
  private async checkLater(pause: DeliveryPause): Promise<void> {
    const checks = pause.checks + 1;
    const wait = Math.min(MAX_PAUSE_CHECK_MS, 2 ** Math.min(checks, 20) * this.settings.pauseCheckMs);
    await this.save({ ...pause, checks, nextCheckAt: new Date(this.now() + wait).toISOString() });
  }

  /** auth.test passing lets the next message try; only its going through ends the pause. */
  private async checkToken(pause: DeliveryPause): Promise<void> {
    try {
      await this.slack.tokenInfo();
      this.probing.add('');
    } catch (error) {
      const e = error instanceof SlackCallError ? error : undefined;
      if (e?.refusal === 'token' && e.error !== pause.reason) await this.paused('workspace', '', e.error);
    }
    await this.checkLater(this.pauses.get('') ?? pause);
  }

  /**
   * conversations.info showing the bot in an unarchived channel lets the channel's next message try; so does a check
   * that cannot be made (no channels:read scope). A channel the bot still cannot see, or is not in, stays paused.
   */
  private async checkChannel(pause: DeliveryPause): Promise<void> {
    try {
      const info = await this.slack.channelInfo(pause.channel);
      if (info.isArchived) {
        if (pause.reason !== 'is_archived') await this.paused('channel', pause.channel, 'is_archived');
      } else if (info.isMember) {
        this.probing.add(pause.channel);
      }
    } catch (error) {
      const e = error instanceof SlackCallError ? error : undefined;
      if (e?.refusal === 'token') await this.paused('workspace', '', e.error);
      else if (e?.outcome === 'refused' && e.refusal === undefined) this.probing.add(pause.channel);
    }
    await this.checkLater(this.pauses.get(pause.channel) ?? pause);
  }
}
