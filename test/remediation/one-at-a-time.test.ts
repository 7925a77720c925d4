// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Sandbox, World } from '../../src/sandbox/index.js';
import { ADMIN, type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { KEYS as BOT_KEYS, botWorld, PROD } from '../helpers/bot-world.js';
import { type CliResult, cli } from '../helpers/cli.js';
import { within } from '../helpers/deadline.js';
import type { PostedMessage } from '../helpers/fake-slack.js';
import { FOREIGN, OWN, ownerStatement, PARTNER } from '../helpers/policy.js';
import { keyId, policyOf, withSandbox } from '../helpers/sandbox.js';
import { BIN, runBuilt } from '../helpers/served.js';
import { viewSubmission } from '../helpers/slack-requests.js';

const claims = suite('remediation: one remediation or undo per key at a time, across every process on the database');

const KEY = keyId();
const KEY_ARN = `arn:aws:kms:us-east-1:${OWN}:key/${KEY}`;
/** Held requests are released by the test: no SDK timeout may cut one short. */
const PATIENT = 'scan: { maxAttempts: 2, requestTimeoutSeconds: 300 }\n';

/** One key open to two foreign accounts, so that it can be remediated in two steps. */
function world(): World {
  return {
    callerAccount: OWN,
    accounts: [
      {
        id: OWN,
        regions: [
          {
            name: 'us-east-1',
            keys: [
              {
                keyId: KEY,
                aliases: ['alias/two-partners'],
                policy: policyOf(ownerStatement(), {
                  Sid: 'Partners',
                  Effect: 'Allow',
                  Principal: { AWS: [FOREIGN, PARTNER] },
                  Action: 'kms:Decrypt',
                  Resource: '*',
                }),
              },
            ],
          },
        ],
      },
    ],
  };
}

interface Setup {
  readonly config: string;
  readonly db: string;
  readonly run: (...args: string[]) => ReturnType<typeof cli>;
  readonly remediations: () => Promise<{ id: string; status: string; actor: string; outcome: unknown }[]>;
}

async function withScanned(test: (sandbox: Sandbox, s: Setup) => Promise<void>) {
  await withSandbox(world(), async (sandbox) => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-claims-'));
    const config = join(dir, 'k.yml');
    const db = join(dir, 'k.db');
    writeFileSync(
      config,
      `accounts: [{ id: "${OWN}" }]\nregions: [us-east-1]\n${PATIENT}remediation: { enabled: true }\n`,
    );
    const run = (...args: string[]) => cli([...args, '--config', config, '--db', db], '', process.env);
    assert.is((await run('scan')).code, 1);
    const remediations = async () => JSON.parse((await run('remediations', '--format', 'json')).stdout).remediations;
    await test(sandbox, { config, db, run, remediations });
  });
}

const statementOf = (sandbox: Sandbox) =>
  (JSON.parse(sandbox.keyState(OWN, 'us-east-1', KEY)?.policy ?? '{}') as { Statement: { Sid: string }[] }).Statement;
const puts = (sandbox: Sandbox) => sandbox.stats().byOperation['kms:PutKeyPolicy'] ?? 0;

async function withBot(test: (bot: BotUnderTest, run: (...args: string[]) => Promise<CliResult>) => Promise<void>) {
  const bot = await startBot(botWorld(), botConfig(`remediation: { enabled: true }\n${PATIENT}`), {
    channelSpacingMs: 0,
  });
  bot.slack.groups.set('S0SECTEAM', []);
  try {
    const scan = await bot.command('scan', MEMBER);
    await within(bot.slack.waitForResponse(scan.responseName), 'the scan');
    await within(bot.system.bot.notifier.idle(), 'the alerts');
    const files = ['--config', join(dirname(bot.db), 'kms-sentinel.yml'), '--db', bot.db];
    const env = { ...process.env, ...bot.sandbox.env, AWS_EC2_METADATA_DISABLED: 'true' };
    // The built CLI, in a process of its own, on the bot's database.
    await test(bot, (...args) => within(runBuilt([...args, ...files], env), `kms-sentinel ${args[0]}`));
  } finally {
    await bot.stop();
  }
}

/** Clicks Remediate on the alert of `alias` and resolves with the modal once it shows the plan. */
async function openPlan(bot: BotUnderTest, alias: string) {
  const alert = bot.slack.messages.find((m) => m.threadTs === undefined && m.text.includes(alias)) as PostedMessage;
  const before = bot.slack.callsOf('views.update').length;
  await bot.click(ADMIN, alert, { action_id: 'kms_remediate' });
  const updates = await within(bot.slack.waitForCalls('views.update', before + 1), 'the plan in the modal');
  const shown = updates.at(-1)?.params as { view_id: string; view: { callback_id: string; private_metadata: string } };
  return {
    /** Clicks Apply; resolves with the text of the modal's result. */
    apply: async () => {
      const count = bot.slack.callsOf('views.update').length;
      await bot.interaction(
        viewSubmission(
          ADMIN,
          { id: shown.view_id, callback_id: shown.view.callback_id, private_metadata: shown.view.private_metadata },
          {},
        ),
      );
      const result = async () => {
        for (;;) {
          const calls = bot.slack.callsOf('views.update');
          const mine = calls.slice(count).find((c) => c.params.view_id === shown.view_id);
          if (mine !== undefined) return JSON.stringify(mine.params);
          await bot.slack.waitForCalls('views.update', calls.length + 1);
        }
      };
      return () => within(result(), 'the result in the modal');
    },
  };
}

const HELD_BY =
  /another remediation or undo of this key is under way \(remediation [\w-]+ by (\S+) since \d{4}-\d\d-\d\dT[\d:.]+Z, process \d+ on [^)]+\): nothing was changed; try again once it has finished/;

claims(
  'Slack Apply under way, a CLI remediate of the same key in another process: refused, naming who holds the key; AWS gets one PutKeyPolicy',
  () =>
    withBot(async (bot, run) => {
      const keyArn = `arn:aws:kms:us-east-1:${PROD}:key/${BOT_KEYS.shared}`;
      const modal = await openPlan(bot, 'alias/payments');
      const held = bot.sandbox.holdNext('PutKeyPolicy');
      const result = await modal.apply();
      await within(held.arrived, "the Slack remediation's PutKeyPolicy");

      const second = await run('remediate', keyArn, '--yes');
      assert.is(second.code, 1, second.stderr);
      assert.match(second.stderr, /^kms-sentinel remediate: another remediation or undo of this key is under way/);
      assert.is(HELD_BY.exec(second.stderr)?.[1], `slack:${ADMIN}`, second.stderr);
      assert.is(second.stderr.split('\n').filter(Boolean).length, 1, 'one line');

      held.release();
      assert.match(await result(), /applied: the key policy was replaced/);
      assert.is(bot.sandbox.stats().byOperation['kms:PutKeyPolicy'], 1, 'one PutKeyPolicy reached AWS');
      assert.equal(
        bot.system.record.remediations(10).map((r) => [r.status, r.actor]),
        [['applied', `slack:${ADMIN}`]],
      );

      // Once the key is free, the next remediation plans from what the first left: nothing is left to fix.
      const after = await run('remediate', keyArn, '--yes');
      assert.is(after.code, 1, after.stderr);
      assert.is(bot.sandbox.stats().byOperation['kms:PutKeyPolicy'], 1);
      assert.is(bot.system.record.remediations(10).length, 1);
    }),
);

claims(
  'a CLI remediate under way, Apply in Slack on the same key: the clicker is told who holds it, nothing more is written',
  () =>
    withBot(async (bot, run) => {
      const keyArn = `arn:aws:kms:us-east-1:${PROD}:key/${BOT_KEYS.public}`;
      const modal = await openPlan(bot, 'alias/reports');
      const later = await openPlan(bot, 'alias/reports');
      const held = bot.sandbox.holdNext('PutKeyPolicy');
      const first = run('remediate', keyArn, '--yes');
      await within(held.arrived, "the CLI's PutKeyPolicy");

      const result = await modal.apply();
      const text = await result();
      assert.match(text, HELD_BY);
      assert.match(HELD_BY.exec(text)?.[1] ?? '', /^cli:/);
      held.release();
      const done = await first;
      assert.is(done.code, 0, done.stderr);
      assert.is(bot.sandbox.stats().byOperation['kms:PutKeyPolicy'], 1);
      assert.equal(
        bot.system.record.remediations(10).map((r) => [r.status, r.actor.slice(0, 4)]),
        [['applied', 'cli:']],
      );

      // Apply in a modal opened before the CLI ran: the plan is made again from what the CLI left, and differs.
      assert.match(await (await later.apply())(), /the plan changed since it was shown/);
      assert.is(bot.sandbox.stats().byOperation['kms:PutKeyPolicy'], 1);
      assert.is(bot.system.record.remediations(10).length, 1);
    }),
);

/** Runs the built CLI's remediate of KEY and kills it (kill -9) once its PutKeyPolicy reached AWS, before it landed. */
async function killedWhileWriting(sandbox: Sandbox, config: string, db: string): Promise<void> {
  const held = sandbox.holdNext('PutKeyPolicy');
  const child = spawn(process.execPath, [BIN, 'remediate', KEY_ARN, '--yes', '--config', config, '--db', db], {
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  await within(held.arrived, "the remediating process's PutKeyPolicy");
  child.kill('SIGKILL');
  await within(exited, 'the killed process');
}

claims('two admins Apply on one key at once in one bot: one remediation, the other told who holds the key', () =>
  withBot(async (bot) => {
    const first = await openPlan(bot, 'alias/payments');
    const second = await openPlan(bot, 'alias/payments');
    const held = bot.sandbox.holdNext('PutKeyPolicy');
    const applied = await first.apply();
    await within(held.arrived, "the first Apply's PutKeyPolicy");
    const refused = await (await second.apply())();
    assert.is(HELD_BY.exec(refused)?.[1], `slack:${ADMIN}`, refused);
    held.release();
    assert.match(await applied(), /applied: the key policy was replaced/);
    assert.is(bot.sandbox.stats().byOperation['kms:PutKeyPolicy'], 1);
    assert.is(bot.system.record.remediations(10).length, 1);
  }),
);

claims(
  'a remediating process killed (kill -9) leaves no lock: the next remediation settles what it left from AWS, then applies',
  () =>
    withScanned(async (sandbox, { config, db, run, remediations }) => {
      await killedWhileWriting(sandbox, config, db);
      const [dead] = await remediations();
      assert.is(dead?.status, 'applying', 'it died between backing up and recording');

      const next = await within(run('remediate', KEY_ARN, '--yes', '--format', 'json'), 'the next remediation');
      assert.is(next.code, 0, next.stderr);
      assert.is(JSON.parse(next.stdout).outcome, 'applied');
      assert.equal(
        statementOf(sandbox).map((s) => s.Sid),
        ['Owner'],
      );
      const list = await remediations();
      const settled = list.find((r) => r.id === dead?.id);
      assert.is(settled?.status, 'failed', 'the dead one is settled from AWS: its policy was never written');
      assert.match(JSON.stringify(settled?.outcome), /interrupted.*the key policy is still the one it read/);
      assert.equal(list.map((r) => r.status).sort(), ['applied', 'failed']);
      assert.is(puts(sandbox), 1, 'the dead process never got its write through');
    }),
);

claims('the bot, as it starts, settles from AWS what a killed CLI remediation left applying, and the key is free', () =>
  withScanned(async (sandbox, { config, db, run, remediations }) => {
    await killedWhileWriting(sandbox, config, db);
    const [dead] = await remediations();
    // The bot's own AWS sandbox serves the same organization: the killed process's write never landed there either.
    const bot = await startBot(world(), botConfig(`remediation: { enabled: true }\n${PATIENT}`), { db });
    try {
      await within(
        bot.waitForLog((e) => e.message === 'settled remediations a stop interrupted'),
        'the bot settling the interrupted remediation',
      );
      const settled = bot.system.record.remediation(dead?.id ?? '');
      assert.is(settled?.status, 'failed');
      assert.match(JSON.stringify(settled?.outcome), /interrupted/);
      const next = await within(run('remediate', KEY_ARN, '--yes'), 'a remediation after the settling');
      assert.is(next.code, 0, next.stderr);
      assert.is(bot.sandbox.stats().byOperation['kms:PutKeyPolicy'], 1);
    } finally {
      await bot.stop();
    }
  }),
);

claims('undo of a remediation of a key while another remediation of that key is under way: refused', () =>
  withScanned(async (sandbox, { run, remediations }) => {
    const first = await run('remediate', KEY_ARN, '--principal', PARTNER, '--yes', '--format', 'json');
    assert.is(first.code, 0, first.stderr);
    const firstId = JSON.parse(first.stdout).id as string;

    const held = sandbox.holdNext('PutKeyPolicy');
    const second = run('remediate', KEY_ARN, '--principal', FOREIGN, '--yes', '--format', 'json');
    await within(held.arrived, "the second remediation's PutKeyPolicy");
    const undo = await within(run('undo', firstId, '--yes'), 'the undo');
    assert.is(undo.code, 1, undo.stderr);
    assert.match(
      undo.stderr,
      /^kms-sentinel undo: another remediation or undo of this key is under way \(remediation [\w-]+ by cli:[^ ]+ since [^,]+, process \d+ on [^)]+\): nothing was changed; try again once it has finished\n$/,
    );
    held.release();
    const applied = await within(second, 'the second remediation');
    assert.is(applied.code, 0, applied.stderr);
    assert.equal(
      statementOf(sandbox).map((s) => s.Sid),
      ['Owner'],
    );
    assert.is(puts(sandbox), 2);
    assert.equal(
      (await remediations()).map((r) => r.status),
      ['applied', 'applied'],
    );
  }),
);

claims('a remediation of a key while an undo of that key is under way: refused, and the undo is not written over', () =>
  withScanned(async (sandbox, { run, remediations }) => {
    const original = sandbox.keyState(OWN, 'us-east-1', KEY)?.policy;
    const first = await run('remediate', KEY_ARN, '--principal', PARTNER, '--yes', '--format', 'json');
    const firstId = JSON.parse(first.stdout).id as string;

    const held = sandbox.holdNext('PutKeyPolicy');
    const undo = run('undo', firstId, '--yes');
    await within(held.arrived, "the undo's PutKeyPolicy");
    const second = await within(run('remediate', KEY_ARN, '--principal', FOREIGN, '--yes'), 'the remediation');
    assert.is(second.code, 1, second.stderr);
    assert.match(second.stderr, /under way \(undo of remediation [\w-]+ by cli:[^ ]+ since /);
    held.release();
    assert.is((await within(undo, 'the undo')).code, 0);
    assert.is(sandbox.keyState(OWN, 'us-east-1', KEY)?.policy, original, 'the backup is back, nothing over it');
    assert.is(puts(sandbox), 2);
    assert.equal(
      (await remediations()).map((r) => r.status),
      ['undone'],
    );
  }),
);

claims.run();
