import { pauseAdvice } from '../delivery-health.js';
import { type DoctorCheck, failed, passed, skipped } from './check.js';
import type { DatabaseProblem, DatabaseState, DeliveryState, UnfinishedRemediation } from './ports.js';

const WRITABLE = { id: 'database.writable', title: 'database writable' };
const SCHEMA = { id: 'database.schema', title: 'database schema' };
const WAL = { id: 'database.wal', title: 'database WAL' };
const DELIVERY = { id: 'delivery', title: 'Slack delivery' };
const UNFINISHED = { id: 'remediation.unfinished', title: 'remediations left unfinished' };

/**
 * The database checks, from what is at its path: writable, at the current schema, WAL on, and delivery as the bot
 * recorded it (`channels`: those the config sends to, when Slack is configured). A database not created yet passes
 * when one can be made there (the first scan makes it): nothing else can be checked until then.
 */
export function databaseChecks(path: string, state: DatabaseState, channels?: readonly string[]): DoctorCheck[] {
  if (state.kind === 'missing') {
    return [
      state.problem === undefined
        ? passed(
            WRITABLE.id,
            WRITABLE.title,
            `${path} is not created yet (the first scan creates it); ${state.folder} is writable`,
          )
        : failed(
            WRITABLE.id,
            WRITABLE.title,
            `${path} does not exist and cannot be created: ${state.problem.message}`,
            state.problem.kind === 'read-only'
              ? `make ${state.folder} writable by the user that runs kms-sentinel, or point --db or database: elsewhere`
              : 'point --db or database: elsewhere',
          ),
    ];
  }
  if (state.kind === 'unusable') {
    return [
      failed(WRITABLE.id, WRITABLE.title, state.problem.message, problemFix(path, state.problem)),
      skipped(SCHEMA.id, SCHEMA.title, 'needs a database that opens'),
      skipped(WAL.id, WAL.title, 'needs a database that opens'),
    ];
  }
  const checks: DoctorCheck[] = [
    state.writeProblem === undefined
      ? passed(WRITABLE.id, WRITABLE.title, path)
      : failed(WRITABLE.id, WRITABLE.title, state.writeProblem.message, problemFix(path, state.writeProblem)),
  ];
  const current = state.currentSchema;
  if (state.schema === current) {
    checks.push(passed(SCHEMA.id, SCHEMA.title, `version ${current}, the current one`));
  } else if (state.schema === 0 && state.foreign) {
    checks.push(
      failed(
        SCHEMA.id,
        SCHEMA.title,
        `${path} is an SQLite database of another application (it has tables but no kms-sentinel schema)`,
        'point --db or database: at a file of its own',
      ),
    );
  } else if (state.schema === 0) {
    checks.push(
      failed(
        SCHEMA.id,
        SCHEMA.title,
        `${path} holds no kms-sentinel data yet (an empty database)`,
        'run "kms-sentinel scan": it creates the schema',
      ),
    );
  } else if (state.schema < current) {
    checks.push(
      failed(
        SCHEMA.id,
        SCHEMA.title,
        `version ${state.schema}, written by an older kms-sentinel (this one writes ${current})`,
        'back the file up, then run "kms-sentinel scan" (or serve): a command that records upgrades it',
      ),
    );
  } else {
    checks.push(
      failed(
        SCHEMA.id,
        SCHEMA.title,
        `version ${state.schema}, written by a newer kms-sentinel (this one knows up to ${current})`,
        'upgrade kms-sentinel (nothing downgrades the database)',
      ),
    );
  }
  checks.push(
    state.journalMode === 'wal'
      ? passed(WAL.id, WAL.title, 'journal_mode is wal')
      : failed(
          WAL.id,
          WAL.title,
          `journal_mode is ${state.journalMode}, not wal: a scan would block the bot's reads`,
          'run "kms-sentinel scan" (a command that records turns WAL on); if it stays off, the file system cannot do WAL (a network share): move the database to a local disk',
        ),
  );
  if (state.delivery !== undefined) checks.push(deliveryCheck(state.delivery, channels));
  if (state.unfinished !== undefined && state.unfinished.length > 0) checks.push(unfinishedCheck(state.unfinished));
  return checks;
}

/**
 * Remediations and undos recorded as under way (a line only when there are some): those no process holds the key of
 * were left by a process that stopped, and are not settled from AWS yet.
 */
function unfinishedCheck(list: readonly UnfinishedRemediation[]): DoctorCheck {
  const what = (r: UnfinishedRemediation) =>
    `${r.status === 'undoing' ? 'the undo of remediation' : 'remediation'} ${r.id} (key ${r.keyArn}, ${r.status} since ${r.since})`;
  const running = list.flatMap((r) =>
    r.heldBy === undefined
      ? []
      : [
          `${what(r)} is under way: ${r.heldBy.actor}, process ${r.heldBy.pid} on ${r.heldBy.host}, claim renewed ${r.heldBy.renewedAt}`,
        ],
  );
  const left = list.filter((r) => r.heldBy === undefined).map(what);
  if (left.length === 0) return passed(UNFINISHED.id, UNFINISHED.title, running.join('; '));
  return failed(
    UNFINISHED.id,
    UNFINISHED.title,
    [`${left.join('; ')}: left unfinished by a process that stopped, and not settled from AWS yet`, ...running].join(
      '; ',
    ),
    'a running bot settles it from AWS, and keeps trying while AWS cannot be read (its log and /kms status say why); without one, start the bot (serve), or run the next remediation or undo of the key, which settles it first',
  );
}

/** Whether the bot's delivery is paused, as it recorded it: its token refused, or channels it may not post in. */
function deliveryCheck(delivery: DeliveryState, configured: readonly string[] | undefined): DoctorCheck {
  const workspace = delivery.pauses.find((p) => p.scope === 'workspace');
  // A paused channel the config no longer sends to, with nothing waiting for it, holds nothing back (the bot forgets
  // it).
  const channels = delivery.pauses.filter(
    (p) =>
      p.scope === 'channel' &&
      (configured === undefined || configured.includes(p.channel) || delivery.awaited.includes(p.channel)),
  );
  const queue = `${delivery.waiting} notification${delivery.waiting === 1 ? '' : 's'} waiting, ${delivery.failed} failed${delivery.failed > 0 ? ' (see "kms-sentinel outbox list")' : ''}`;
  if (workspace !== undefined) {
    return failed(
      DELIVERY.id,
      DELIVERY.title,
      `paused since ${workspace.since}: Slack refuses the bot token (${workspace.reason}), so nothing is posted; ${queue}`,
      'give the bot a working SLACK_BOT_TOKEN (reinstall the app if the token was revoked) and restart it; a bot still running resumes by itself once auth.test passes',
    );
  }
  if (channels.length > 0) {
    const list = channels.map((p) => `${p.channel} (${p.reason} since ${p.since}: ${pauseAdvice(p).why})`).join(', ');
    return failed(
      DELIVERY.id,
      DELIVERY.title,
      `paused in ${channels.length === 1 ? 'a channel' : `${channels.length} channels`} the bot may not post in: ${list}; the others are delivered; ${queue}`,
      channels.map((p) => `${p.channel}: ${pauseAdvice(p).fix}`).join('; '),
    );
  }
  return passed(DELIVERY.id, DELIVERY.title, `not paused; ${queue}`);
}

function problemFix(path: string, problem: DatabaseProblem): string {
  switch (problem.kind) {
    case 'read-only':
      return `make ${path} and its folder writable by the user that runs kms-sentinel (SQLite writes -wal and -shm files beside it)`;
    case 'not-a-database':
      return 'restore it from a backup, or move it away (the next scan starts afresh), or point --db or database: elsewhere';
    case 'busy':
      return 'another process holds it locked: run doctor again when it is done';
    case 'disk-full':
      return 'free some space on its disk';
    case 'not-a-file':
      return 'point --db or database: at a file';
    default:
      return 'check the file, or point --db or database: elsewhere';
  }
}
