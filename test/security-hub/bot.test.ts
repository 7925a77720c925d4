import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, KEYS, PROD } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { deadline } from '../helpers/clock.js';
import { sharedWith } from '../helpers/sandbox.js';

const bot = suite('Security Hub: the bot pushes after each scan, beside its alerts and never in their way');

const CONFIG = botConfig('securityHub: { enabled: true, region: us-east-1 }\n');

async function scanned(b: BotUnderTest): Promise<void> {
  const scan = await b.command('scan', MEMBER);
  await deadline(b.slack.waitForResponse(scan.responseName), 'the scan');
  await deadline(b.system.bot.notifier.idle(), 'delivery after the scan');
  await deadline(b.system.bot.securityHub?.idle() ?? Promise.reject(new Error('no push')), 'the push');
}

const statusText = async (b: BotUnderTest) => JSON.stringify((await b.command('status')).json).replace(/\\n/g, '\n');
const openCount = (b: BotUnderTest) =>
  b.system.record.findings({ status: 'open', accountId: undefined }, new Date()).length;

/** `doctor --format json` on the bot's database: its Security Hub check. */
async function doctorCheck(b: BotUnderTest) {
  const config = join(dirname(b.db), 'kms-sentinel.yml');
  writeFileSync(config, CONFIG);
  const run = await cli(['doctor', '--config', config, '--db', b.db, '--format', 'json', '--timeout', '10'], '', {
    ...process.env,
  });
  const out = JSON.parse(run.stdout) as { checks: { id: string; status: string; detail: string; fix?: string }[] };
  return { code: run.code, check: out.checks.find((c) => c.id === 'securityhub.push') };
}

bot("a scan's findings reach Security Hub; /kms status and doctor say how many", async () => {
  const b = await startBot(botWorld(), CONFIG, { channelSpacingMs: 0 });
  try {
    await scanned(b);
    const held = b.sandbox.securityHubFindings(PROD, 'us-east-1');
    assert.ok(openCount(b) > 0);
    assert.is(held.length, openCount(b), 'one Security Hub finding per open finding');
    assert.ok(b.slack.messages.length > 0, 'the alerts went');
    const status = await statusText(b);
    assert.match(status, new RegExp(`Security Hub \\(us-east-1\\): ${held.length} findings pushed, the latest at `));
    assert.not.match(status, /could not be pushed/);
    await b.waitForLog((l) => l.message === 'findings pushed to Security Hub' && l.fields.pushed === held.length);
    await scanned(b);
    assert.is(b.sandbox.securityHubFindings(PROD, 'us-east-1').length, held.length, 'a second scan adds nothing');
    const { check } = await doctorCheck(b);
    assert.is(check?.status, 'ok');
    assert.match(check?.detail ?? '', new RegExp(`${held.length} finding\\(s\\) pushed to Security Hub in us-east-1`));
  } finally {
    await b.stop();
  }
});

bot(
  'Security Hub refusing every finding changes nothing for the scan and the alerts; status and doctor say so',
  async () => {
    const b = await startBot(botWorld(), CONFIG, {
      channelSpacingMs: 0,
      beforeStart: (sandbox) => sandbox.disableSecurityHub(PROD),
    });
    try {
      await scanned(b);
      assert.ok(openCount(b) > 0, 'the scan was recorded');
      assert.ok(b.slack.messages.length > 0, 'the alerts went');
      assert.is(b.sandbox.securityHubFindings(PROD, 'us-east-1').length, 0);
      await b.waitForLog((l) => l.level === 'error' && /could not be pushed to Security Hub/.test(l.message));
      const status = await statusText(b);
      assert.match(
        status,
        new RegExp(
          `:warning: ${openCount(b)} findings could not be pushed to Security Hub; the latest, [^:]+:[^:]+:[^:]+: InvalidAccess: Account ${PROD} is not subscribed to AWS Security Hub`,
        ),
      );
      const { code, check } = await doctorCheck(b);
      assert.is(check?.status, 'fail');
      assert.match(check?.detail ?? '', /InvalidAccess: Account 111111111111 is not subscribed/);
      assert.match(check?.fix ?? '', /securityhub:BatchImportFindings/);
      assert.is.not(code, 0, 'doctor fails');
    } finally {
      await b.stop();
    }
  },
);

bot('a key read again for an event goes to Security Hub without waiting for the next scan', async () => {
  const world = botWorld();
  const b = await startBot(world, CONFIG, { channelSpacingMs: 0, events: {} });
  try {
    await scanned(b);
    const before = b.sandbox.securityHubFindings(PROD, 'us-east-1').length;
    const keyId = (world.accounts[0]?.regions[0]?.keys ?? [])
      .map((k) => k.keyId)
      .find((id) => !Object.values(KEYS).includes(id)) as string;
    b.sandbox.setKeyPolicy(PROD, 'us-east-1', keyId, sharedWith(PROD, FOREIGN));
    await b.waitForLog(
      (l) => l.fields.event === 'recheck' && String(l.fields.keyArn).endsWith(keyId) && l.fields.outcome === 'recorded',
    );
    await deadline(b.system.bot.securityHub?.idle() ?? Promise.reject(new Error('no push')), 'the push');
    const held = b.sandbox.securityHubFindings(PROD, 'us-east-1');
    assert.is(held.length, before + 1);
    assert.ok(
      held.some((f) => JSON.stringify(f.Resources).includes(keyId)),
      'the key the event named',
    );
  } finally {
    await b.stop();
  }
});

bot.run();
