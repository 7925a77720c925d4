// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import { composeRemediation, openRecordFor } from '../../src/compose.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Sandbox, World } from '../../src/sandbox/index.js';
import type { Log } from '../../src/usecases/log-port.js';
import type { RecordPort } from '../../src/usecases/record-port.js';
import { planFor, type RemediationParts, remediate } from '../../src/usecases/remediation/remediate.js';
import { settleInterrupted } from '../../src/usecases/remediation/settle.js';
import { undoRemediation } from '../../src/usecases/remediation/undo.js';
import { botConfig, type LogEntry, startBot } from '../helpers/bot.js';
import { cli } from '../helpers/cli.js';
import { ManualClock } from '../helpers/clock.js';
import { within } from '../helpers/deadline.js';
import { FOREIGN, OWN, ownerStatement, PARTNER } from '../helpers/policy.js';
import { keyId, policyOf, withSandbox } from '../helpers/sandbox.js';
import { BIN } from '../helpers/served.js';

const interrupted = suite(
  'remediation: a claim is a lease its holder renews, and a remediation or undo a crash interrupts is settled from AWS',
);

const KEY = keyId();
const KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/${KEY}`;
/** Held requests are released by the test: no SDK timeout may cut one short. */
const PATIENT = 'scan: { maxAttempts: 2, requestTimeoutSeconds: 300 }\n';
const EXPOSED = policyOf(ownerStatement(), {
  Sid: 'Partners',
  Effect: 'Allow',
  Principal: { AWS: [FOREIGN, PARTNER] },
  Action: 'kms:Decrypt',
  Resource: '*',
});

/** One key open to two foreign accounts; its policy as given (AWS as a restarted bot finds it). */
function world(policy = EXPOSED): World {
  return {
    callerAccount: OWN,
    accounts: [{ id: OWN, regions: [{ name: 'us-east-1', keys: [{ keyId: KEY, aliases: ['alias/two'], policy }] }] }],
  };
}

interface Remediation {
  id: string;
  status: string;
  outcome: unknown;
  writtenPolicy: string | null;
  backupPolicy: string;
  undo: { actor: string } | null;
}

interface Setup {
  readonly config: string;
  readonly db: string;
  readonly run: (...args: string[]) => ReturnType<typeof cli>;
  readonly remediations: () => Promise<Remediation[]>;
  /** The key's findings' statuses, by principal. */
  readonly findings: () => Promise<Record<string, string>>;
  readonly audit: () => Promise<{ action: string; actor: string; before: unknown; after: unknown }[]>;
}

async function withScanned(test: (sandbox: Sandbox, s: Setup) => Promise<void>) {
  await withSandbox(world(), async (sandbox) => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-interrupted-'));
    const config = join(dir, 'k.yml');
    const db = join(dir, 'k.db');
    writeFileSync(
      config,
      `accounts: [{ id: "${OWN}" }]\nregions: [us-east-1]\n${PATIENT}remediation: { enabled: true }\n`,
    );
    const run = (...args: string[]) => cli([...args, '--config', config, '--db', db], '', process.env);
    assert.is((await run('scan')).code, 1);
    const json = async (...args: string[]) => JSON.parse((await run(...args, '--format', 'json')).stdout);
    await test(sandbox, {
      config,
      db,
      run,
      remediations: async () => (await json('remediations')).remediations,
      findings: async () =>
        Object.fromEntries(
          ((await json('findings', '--status', 'all')).findings as { principal: string; status: string }[]).map((f) => [
            f.principal,
            f.status,
          ]),
        ),
      audit: async () => (await json('audit')).audit,
    });
  });
}

const policyIn = (sandbox: Sandbox) => sandbox.keyState(OWN, 'us-east-1', KEY)?.policy;
const puts = (sandbox: Sandbox) => sandbox.stats().byOperation['kms:PutKeyPolicy'] ?? 0;

/** Resolves once `done()` holds (checked after each turn of the event loop); fails after the deadline. */
function until(done: () => boolean, what: string): Promise<void> {
  let looking = true;
  return within(
    (async () => {
      while (looking && !done()) await new Promise((resolve) => setImmediate(resolve));
    })(),
    what,
  ).finally(() => {
    // Past the deadline too: a loop left turning would keep the test run alive.
    looking = false;
  });
}

/**
 * Runs the built CLI (`args`) and kills it (kill -9) once its PutKeyPolicy reached AWS. With `land`, AWS then carries
 * the write out (it accepted it before the process died); without, the write never lands.
 */
async function killedAtPut(sandbox: Sandbox, args: string[], land: { policy: string } | undefined): Promise<void> {
  const held = sandbox.holdNext('PutKeyPolicy');
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  await within(held.arrived, `the PutKeyPolicy of kms-sentinel ${args[0]}`);
  child.kill('SIGKILL');
  await within(exited, 'the killed process');
  if (land !== undefined) {
    held.release();
    await until(() => policyIn(sandbox) === land.policy, 'AWS carrying out the write the killed process sent');
  }
}

/** A running process that has nothing to do with kms-sentinel (its process ID is a live one). */
function unrelatedProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)'], { stdio: 'ignore' });
}

/** Rewrites the one claim row as another holder would have left it; returns when it was last renewed. */
function rewriteClaim(db: string, fields: { pid: number; namespace?: string }): string {
  const d = new Database(db);
  try {
    d.prepare('UPDATE remediation_claims SET pid = ?, pid_namespace = coalesce(?, pid_namespace)').run(
      fields.pid,
      fields.namespace ?? null,
    );
    const row = d.prepare('SELECT * FROM remediation_claims').get() as
      | { claimed_at: string; renewed_at?: string | null }
      | undefined;
    assert.ok(row, 'the killed process left its claim');
    return row.renewed_at ?? row.claimed_at;
  } finally {
    d.close();
  }
}

/** Remediation parts as the CLI composes them, on this process's record, keeping time by `clock` (logging to `logs`). */
async function partsOn(configPath: string, db: string, clock: ManualClock, logs: LogEntry[] = []) {
  const config = parseConfig(readFileSync(configPath, 'utf8'), configPath);
  const record: RecordPort = await openRecordFor(config, db, 'existing');
  const log: Log = {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const parts = await composeRemediation(config, process.env, record, { now: clock.now, sleep: clock.sleep }, log);
  return {
    parts: parts as RemediationParts,
    close: async () => {
      parts.close();
      await record.close();
    },
  };
}

/**
 * Records remediation `id` (removing FOREIGN) as `applying`, as a process killed after AWS took its write leaves it
 * (its claim since let go or taken over); returns the policy it wrote.
 */
function leftApplying(db: string, id: string): string {
  const store = new SqliteStore(db, 'existing');
  try {
    const plan = planFor(store, KEY_ARN, [FOREIGN]);
    assert.ok(plan?.ok && plan.after !== null);
    store.startRemediation(
      {
        id,
        keyArn: KEY_ARN,
        accountId: OWN,
        region: 'us-east-1',
        keyId: KEY,
        actor: 'cli:gone',
        reason: 'test',
        backupPolicy: EXPOSED,
        backupHash: createHash('sha256').update(EXPOSED).digest('hex'),
        writtenPolicy: plan.after,
        plan,
      },
      new Date(),
    );
    return plan.after;
  } finally {
    store.close();
  }
}

/** The kinds of the notifications the record queued for Slack, about remediation `id`. */
function notificationsAbout(db: string, id: string): string[] {
  const store = new SqliteStore(db, 'existing');
  try {
    return store
      .outbox(200)
      .filter((n) => (n.notification as { remediationId?: string }).remediationId === id)
      .map((n) => n.kind);
  } finally {
    store.close();
  }
}

interrupted(
  "a killed remediate whose claim names a running, unrelated process: refused while the claim's lease is fresh (naming the holder and its last renewal), taken over once it is stale, settled from AWS, then applied",
  () =>
    withScanned(async (sandbox, { config, db, remediations, audit }) => {
      await killedAtPut(sandbox, ['remediate', KEY_ARN, '--yes', '--config', config, '--db', db], undefined);
      const [dead] = await remediations();
      assert.is(dead?.status, 'applying');
      // Its process ID now belongs to another running process (a reused PID; or another host's process).
      const other = unrelatedProcess();
      try {
        const renewed = rewriteClaim(db, { pid: other.pid as number });
        const clock = new ManualClock(Date.parse(renewed));
        const { parts, close } = await partsOn(config, db, clock);
        try {
          const ask = () =>
            within(remediate(parts, { keyArn: KEY_ARN, actor: 'cli:bob', reason: 'test' }), 'the remediation');
          clock.advance(30_000);
          const refused = await ask();
          assert.is(refused.outcome, 'refused');
          assert.match(
            refused.message,
            new RegExp(
              `^another remediation or undo of this key is under way \\(remediation ${dead?.id} by cli:\\S+ since \\S+Z, process ${other.pid} on [^,]+, claim last renewed ${renewed.replace(/\./g, '\\.')}\\): nothing was changed; try again once it has finished$`,
            ),
          );
          assert.is(puts(sandbox), 0);

          clock.advance(31_000);
          const applied = await ask();
          assert.is(applied.outcome, 'applied', applied.message);
          assert.is(puts(sandbox), 1);
          const list = await remediations();
          const settled = list.find((r) => r.id === dead?.id);
          assert.is(settled?.status, 'failed', 'settled from AWS first: its write never landed');
          assert.match(JSON.stringify(settled?.outcome), /interrupted.*the key policy is still the one it read/);
          assert.equal(list.map((r) => r.status).sort(), ['applied', 'failed']);
          const takeover = (await audit()).find((a) => a.action === 'remediation-claim-taken-over');
          assert.is(takeover?.actor, 'cli:bob');
          assert.is((takeover?.before as { pid?: number } | undefined)?.pid, other.pid);
        } finally {
          await close();
        }
      } finally {
        other.kill();
      }
    }),
);

interrupted(
  'a remediation under way for over a minute keeps the key: its holder renews the claim on its clock, and another asking then is refused, told when it was last renewed',
  () =>
    withScanned(async (sandbox, { config, db }) => {
      const start = Date.now();
      const clock = new ManualClock(start);
      const holder = await partsOn(config, db, clock);
      const other = await partsOn(config, db, new ManualClock(start + 65_000));
      const claims = new Database(db, { readonly: true });
      try {
        const held = sandbox.holdNext('PutKeyPolicy');
        const first = remediate(holder.parts, { keyArn: KEY_ARN, actor: 'cli:long', reason: 'test' });
        await within(held.arrived, "the holder's PutKeyPolicy");
        const renewed = () =>
          (claims.prepare('SELECT renewed_at FROM remediation_claims').get() as { renewed_at: string } | undefined)
            ?.renewed_at;
        assert.is(renewed(), new Date(start).toISOString());
        clock.advance(60_000);
        const at = new Date(start + 60_000).toISOString();
        await until(() => renewed() === at, 'the claim renewed by its heartbeat');

        const refused = await within(
          remediate(other.parts, { keyArn: KEY_ARN, actor: 'cli:other', reason: 'test' }),
          'the other remediation',
        );
        assert.is(refused.outcome, 'refused');
        assert.match(
          refused.message,
          new RegExp(`by cli:long since .*, claim last renewed ${at.replace(/\./g, '\\.')}\\)`),
        );
        held.release();
        assert.is((await within(first, 'the long remediation')).outcome, 'applied');
        assert.is(renewed(), undefined, 'let go with its outcome');
      } finally {
        claims.close();
        await holder.close();
        await other.close();
      }
    }),
);

interrupted(
  'a lease lost while its holder was stalled: the holder writes nothing more (its stale plan never lands over the new holder’s remediation), and records nothing',
  () =>
    withScanned(async (sandbox, { config, db, remediations }) => {
      const start = Date.now();
      const stalled = await partsOn(config, db, new ManualClock(start));
      const next = await partsOn(config, db, new ManualClock(start + 61_000));
      try {
        // The first holder reads the key, and stalls before it writes (as a suspended process would).
        const held = sandbox.holdNext('ListResourceTags');
        const first = remediate(stalled.parts, {
          keyArn: KEY_ARN,
          principals: [FOREIGN],
          actor: 'cli:slow',
          reason: 't',
        });
        await within(held.arrived, "the first holder's last read");
        // A minute on, by the next one's clock, the first has not renewed its claim: it is taken over.
        const second = await within(
          remediate(next.parts, { keyArn: KEY_ARN, actor: 'cli:next', reason: 'test' }),
          'the next remediation',
        );
        assert.is(second.outcome, 'applied', second.message);
        held.release();
        const late = await within(first, 'the stalled remediation');
        assert.is(late.outcome, 'refused');
        assert.match(
          late.message,
          /^another process took this key over \(this one had not renewed its claim in time, as when it is suspended\): nothing was changed$/,
        );
        assert.is(puts(sandbox), 1, 'the stalled holder never wrote');
        assert.not.match(policyIn(sandbox) ?? '', new RegExp(PARTNER), 'what the next one wrote stands');
        assert.equal(
          (await remediations()).map((r) => r.status),
          ['applied'],
        );
      } finally {
        await stalled.close();
        await next.close();
      }
    }),
);

interrupted(
  'the bot restarted in a new PID namespace (a container) after a crash during an Apply: it waits for the claim its previous life left to go stale, then settles it from AWS',
  () =>
    withScanned(async (sandbox, { config, db, remediations }) => {
      await killedAtPut(sandbox, ['remediate', KEY_ARN, '--yes', '--config', config, '--db', db], undefined);
      const [dead] = await remediations();
      // As the bot's previous life, in a container: node as PID 1, in a PID namespace that is gone now.
      const renewed = rewriteClaim(db, { pid: 1, namespace: 'pid:[4026599999]' });
      const clock = new ManualClock(Date.parse(renewed) + 5_000);
      const bot = await startBot(world(), botConfig(`remediation: { enabled: true }\n${PATIENT}`), {
        db,
        remediationClock: clock,
      });
      try {
        const waiting = await within(
          bot.waitForLog((e) => e.message.startsWith('an interrupted remediation waits on a claim')),
          'the bot waiting for the claim to go stale',
        );
        assert.is(waiting.fields.retryAt, new Date(Date.parse(renewed) + 60_000).toISOString());
        assert.is(
          bot.system.record.remediation(dead?.id ?? '')?.status,
          'applying',
          'its holder might still be at work',
        );
        clock.advance(60_000);
        await within(
          bot.waitForLog((e) => e.message === 'settled remediations a stop interrupted'),
          'the bot settling the interrupted remediation once the claim is stale',
        );
        const settled = bot.system.record.remediation(dead?.id ?? '');
        assert.is(settled?.status, 'failed');
        assert.match(JSON.stringify(settled?.outcome), /interrupted/);
        assert.ok(bot.system.record.audit(20).some((a) => a.action === 'remediation-claim-taken-over'));
      } finally {
        await bot.stop();
      }
    }),
);

interrupted(
  'an undo killed (kill -9) after AWS took its PutKeyPolicy: the record says undoing, and undo run again settles it from AWS as undone, the findings open again',
  () =>
    withScanned(async (sandbox, { config, db, run, remediations, findings, audit }) => {
      const done = await run('remediate', KEY_ARN, '--yes', '--format', 'json');
      assert.is(done.code, 0, done.stderr);
      const id = JSON.parse(done.stdout).id as string;
      assert.equal(await findings(), { [FOREIGN]: 'resolved', [PARTNER]: 'resolved' });

      await killedAtPut(sandbox, ['undo', id, '--yes', '--config', config, '--db', db], { policy: EXPOSED });
      const [left] = await remediations();
      assert.is(left?.status, 'undoing', 'the record does not say applied while the backup is live');
      assert.match(left?.undo?.actor ?? '', /^cli:/);

      const again = await within(run('undo', id, '--yes'), 'the undo run again');
      assert.is(again.code, 0, again.stderr);
      assert.match(again.stdout, /undone: an undo interrupted earlier had put the backup back \(read from AWS now\)/);
      assert.is(puts(sandbox), 2, 'nothing more was written');
      assert.equal(
        (await remediations()).map((r) => r.status),
        ['undone'],
      );
      assert.equal(await findings(), { [FOREIGN]: 'open', [PARTNER]: 'open' }, 'open again, as the undo would have');
      const actions = (await audit()).map((a) => a.action);
      assert.ok(actions.indexOf('remediation-undone') < actions.indexOf('remediation-undoing'), actions.join(' '));

      // The key is free and the record true: it can be remediated again.
      const redo = await within(run('remediate', KEY_ARN, '--yes'), 'a new remediation');
      assert.is(redo.code, 0, redo.stderr);
    }),
);

interrupted(
  'an undo killed before AWS took the backup: the next remediation settles it as not done, then applies',
  () =>
    withScanned(async (sandbox, { config, db, run, remediations, audit }) => {
      const done = await run('remediate', KEY_ARN, '--principal', PARTNER, '--yes', '--format', 'json');
      const id = JSON.parse(done.stdout).id as string;
      const remediated = policyIn(sandbox);
      await killedAtPut(sandbox, ['undo', id, '--yes', '--config', config, '--db', db], undefined);
      assert.is((await remediations())[0]?.status, 'undoing');

      const next = await within(run('remediate', KEY_ARN, '--principal', FOREIGN, '--yes'), 'the next remediation');
      assert.is(next.code, 0, next.stderr);
      assert.not.equal(policyIn(sandbox), remediated);
      const list = await remediations();
      assert.equal(
        list.map((r) => r.status),
        ['applied', 'applied'],
        'the undo did not happen: the first remediation stands',
      );
      const notDone = (await audit()).find((a) => a.action === 'remediation-undo-not-done');
      assert.match(JSON.stringify(notDone?.after), /still the one the remediation wrote/);
    }),
);

interrupted(
  'the bot, as it starts, settles an interrupted undo from AWS: done when the policy is the backup, not done when it is still the remediated one, and drift (left for a scan) when it is neither',
  () =>
    withScanned(async (_sandbox, { db, run, findings }) => {
      const done = await run('remediate', KEY_ARN, '--yes', '--format', 'json');
      const id = JSON.parse(done.stdout).id as string;
      const markUndoing = () => {
        const store = new SqliteStore(db, 'existing');
        try {
          store.startUndo(id, store.remediation(id)?.backupPolicy ?? '', 'slack:U0ADMIN', new Date());
          return store.remediation(id);
        } finally {
          store.close();
        }
      };
      const r = markUndoing();
      assert.is(r?.status, 'undoing');
      // The bot starts on AWS as the interrupted undo left it.
      const startOn = (policy: string) =>
        startBot(world(policy), botConfig(`remediation: { enabled: true }\n${PATIENT}`), { db });

      let bot = await startOn(r?.writtenPolicy ?? '');
      try {
        await within(
          bot.waitForLog((e) => e.message === 'settled remediations a stop interrupted'),
          'not done',
        );
        assert.is(bot.system.record.remediation(id)?.status, 'applied');
      } finally {
        await bot.stop();
      }

      markUndoing();
      bot = await startOn(policyOf(ownerStatement()));
      try {
        const drift = await within(
          bot.waitForLog((e) => e.message.startsWith('an interrupted undo left the key policy neither')),
          'drift',
        );
        assert.is(drift.fields.key, KEY_ARN);
        assert.is(bot.system.record.remediation(id)?.status, 'applied');
        assert.equal(await findings(), { [FOREIGN]: 'resolved', [PARTNER]: 'resolved' }, 'left for a scan');
      } finally {
        await bot.stop();
      }

      markUndoing();
      bot = await startOn(EXPOSED);
      try {
        await within(
          bot.waitForLog((e) => e.message === 'settled remediations a stop interrupted'),
          'done',
        );
        const undone = bot.system.record.remediation(id);
        assert.is(undone?.status, 'undone');
        assert.match(JSON.stringify(undone?.outcome), /the key policy is the backup again \(read from AWS/);
        assert.equal(await findings(), { [FOREIGN]: 'open', [PARTNER]: 'open' });
        const [row] = bot.system.record.audit(50).filter((a) => a.action === 'remediation-undone');
        assert.is(row?.actor, 'slack:U0ADMIN', 'the undo is the person’s who asked for it');
      } finally {
        await bot.stop();
      }
    }),
);

interrupted(
  'a settler that lost the key while stalled in its AWS read records nothing: the remediation stays as the new holder settled it (no "failed" over it, no audit row, no Slack notification), and the drop is logged',
  () =>
    withScanned(async (sandbox, { config, db, remediations, audit }) => {
      // r1's process died after AWS took its write.
      sandbox.setKeyPolicy(OWN, 'us-east-1', KEY, leftApplying(db, 'r1'));
      const start = Date.now();
      const logs: LogEntry[] = [];
      const stale = await partsOn(config, db, new ManualClock(start), logs);
      const next = await partsOn(config, db, new ManualClock(start + 61_000));
      try {
        // The settler claims the key and stalls in its read (suspended, say): it renews nothing meanwhile.
        const held = sandbox.holdNext('GetKeyPolicy');
        const settling = settleInterrupted(stale.parts, 'kms-sentinel');
        await within(held.arrived, "the settler's read of the key");
        // A minute on, the next process takes the key over, settles r1 from AWS (applied), and applies r2.
        const r2 = await within(
          remediate(next.parts, { keyArn: KEY_ARN, principals: [PARTNER], actor: 'cli:next', reason: 'test' }),
          'the next remediation',
        );
        assert.ok(r2.outcome === 'applied', r2.message);
        const settledByNext = (await remediations()).find((r) => r.id === 'r1');
        assert.is(settledByNext?.status, 'applied');
        const auditBefore = await audit();

        held.release();
        const late = await within(settling, 'the stalled settler');
        const list = await remediations();
        assert.equal(
          Object.fromEntries(list.map((r) => [r.id, r.status])),
          { r1: 'applied', [r2.id]: 'applied' },
          'r1 stays as the holder of the key settled it',
        );
        assert.equal(list.find((r) => r.id === 'r1')?.outcome, settledByNext?.outcome);
        assert.equal(await audit(), auditBefore, 'no audit row from the settler that lost the key');
        assert.equal(notificationsAbout(db, 'r1'), ['remediation-applied'], 'no "remediation failed" in Slack');
        assert.equal({ settled: late.settled, lost: late.lost }, { settled: 0, lost: [KEY_ARN] });
        const dropped = logs.filter((l) => l.level === 'warn' && l.fields.remediation === 'r1');
        assert.is(dropped.length, 1, JSON.stringify(logs));
        assert.match(
          dropped[0]?.message ?? '',
          /^settling remediation r1 was not recorded: another process took this key over/,
        );
      } finally {
        await stale.close();
        await next.close();
      }
    }),
);

interrupted(
  'a settler that lost the key while stalled settles nothing twice: an interrupted undo the new holder recorded undone is not recorded (and told in Slack) again',
  () =>
    withScanned(async (sandbox, { config, db, run, remediations, audit }) => {
      const done = await run('remediate', KEY_ARN, '--yes', '--format', 'json');
      assert.is(done.code, 0, done.stderr);
      const id = JSON.parse(done.stdout).id as string;
      // An undo recorded undoing, whose process died after AWS took the backup.
      const store = new SqliteStore(db, 'existing');
      store.startUndo(id, EXPOSED, 'slack:U0ADMIN', new Date());
      store.close();
      sandbox.setKeyPolicy(OWN, 'us-east-1', KEY, EXPOSED);
      const start = Date.now();
      const logs: LogEntry[] = [];
      const stale = await partsOn(config, db, new ManualClock(start), logs);
      const next = await partsOn(config, db, new ManualClock(start + 61_000));
      try {
        const held = sandbox.holdNext('GetKeyPolicy');
        const settling = settleInterrupted(stale.parts, 'kms-sentinel');
        await within(held.arrived, "the settler's read of the key");
        const again = await within(undoRemediation(next.parts, id, 'cli:next'), 'the undo run again');
        assert.is(again.outcome, 'undone', again.message);
        held.release();
        const late = await within(settling, 'the stalled settler');
        assert.equal(
          (await remediations()).map((r) => r.status),
          ['undone'],
        );
        assert.is((await audit()).filter((a) => a.action === 'remediation-undone').length, 1);
        assert.equal(
          notificationsAbout(db, id).filter((k) => k === 'remediation-undone'),
          ['remediation-undone'],
          'its thread is told once',
        );
        assert.equal({ settled: late.settled, lost: late.lost }, { settled: 0, lost: [KEY_ARN] });
        assert.ok(logs.some((l) => l.level === 'warn' && l.fields.remediation === id));
      } finally {
        await stale.close();
        await next.close();
      }
    }),
);

interrupted('doctor names a remediation left unfinished by a process that stopped, and says how it gets settled', () =>
  withScanned(async (_sandbox, { db, run }) => {
    const clean = JSON.parse((await run('doctor', '--format', 'json')).stdout) as { checks: { id: string }[] };
    assert.not.ok(
      clean.checks.some((c) => c.id === 'remediation.unfinished'),
      'no line while nothing is left',
    );
    leftApplying(db, 'r1');
    const doctor = await run('doctor', '--format', 'json');
    assert.is(doctor.code, 1, doctor.stderr);
    const check = (
      JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string; fix: string }[] }
    ).checks.find((c) => c.id === 'remediation.unfinished');
    assert.is(check?.status, 'fail');
    assert.match(
      check?.detail ?? '',
      new RegExp(
        `^remediation r1 \\(key ${KEY_ARN.replace(/[/.]/g, '\\$&')}, applying since \\S+\\): left unfinished by a process that stopped, and not settled from AWS yet$`,
      ),
    );
    assert.match(check?.fix ?? '', /a running bot settles it from AWS, and keeps trying while AWS cannot be read/);
  }),
);

const SETTLE_FAILING = 'the bot settling as it starts';
const unsettledLog = (e: LogEntry) => e.message.startsWith('an interrupted remediation cannot be settled from AWS now');

interrupted(
  'the bot starting while AWS fails for an interrupted remediation keeps trying, after a growing pause on its clock: each failed attempt logged once, naming the remediation and the AWS error, and /kms status shows it until it is settled',
  () =>
    withScanned(async (_sandbox, { db }) => {
      const written = leftApplying(db, 'r1');
      const clock = new ManualClock();
      const bot = await startBot(
        world(written),
        botConfig('remediation: { enabled: true }\nscan: { maxAttempts: 1, requestTimeoutSeconds: 300 }\n'),
        {
          db,
          remediationClock: clock,
          beforeStart: (sandbox) =>
            sandbox.failNext('GetKeyPolicy', 'KMSInternalException', 'the service is unavailable', 2),
        },
      );
      const statusText = async () => JSON.stringify((await bot.command('status')).json).replace(/\\n/g, '\n');
      try {
        const first = await within(bot.waitForLog(unsettledLog), `${SETTLE_FAILING}: its first attempt failing`);
        assert.is(first.level, 'warn');
        assert.equal(first.fields.remediations, ['r1']);
        assert.is(first.fields.key, KEY_ARN);
        assert.is(first.fields.error, 'KMSInternalException: the service is unavailable');
        assert.is(first.fields.attempt, 1);
        assert.is(first.fields.retryAt, new Date(clock.now().getTime() + 10_000).toISOString());
        assert.is(bot.system.record.remediation('r1')?.status, 'applying', 'nothing changed');
        const shown = await statusText();
        assert.match(shown, /Remediation `r1` left unfinished\* by a process that stopped/);
        assert.match(shown, /KMSInternalException: the service is unavailable/);

        clock.advance(10_000);
        const second = await within(
          bot.waitForLog((e) => unsettledLog(e) && e.fields.attempt === 2),
          `${SETTLE_FAILING}: its second attempt failing`,
        );
        assert.is(second.fields.retryAt, new Date(clock.now().getTime() + 20_000).toISOString(), 'the pause grows');

        clock.advance(20_000);
        await within(
          bot.waitForLog((e) => e.message === 'settled remediations a stop interrupted'),
          `${SETTLE_FAILING}: its third attempt settling it`,
        );
        assert.is(bot.system.record.remediation('r1')?.status, 'applied', 'its write had landed');
        assert.is(bot.logs.filter(unsettledLog).length, 2, 'one warning per failed attempt');
        assert.not.match(await statusText(), /left unfinished/);
      } finally {
        await bot.stop();
      }
    }),
);

interrupted('the bot waiting to try settling again stops at once when it is stopped', () =>
  withScanned(async (_sandbox, { db }) => {
    leftApplying(db, 'r1');
    const bot = await startBot(world(), botConfig('remediation: { enabled: true }\nscan: { maxAttempts: 1 }\n'), {
      db,
      remediationClock: new ManualClock(),
      beforeStart: (sandbox) => sandbox.failNext('GetKeyPolicy', 'KMSInternalException', 'down', 1000),
    });
    let stopped = false;
    try {
      await within(bot.waitForLog(unsettledLog), `${SETTLE_FAILING}: its first attempt failing`);
      await within(bot.stop(), 'the bot stopping while it waits to try again');
      stopped = true;
      assert.is(bot.logs.filter(unsettledLog).length, 1);
    } finally {
      if (!stopped) await bot.stop();
    }
  }),
);

interrupted.run();
