import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ADMIN, type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, PARTNER } from '../helpers/bot-world.js';
import { FakeSlack } from '../helpers/fake-slack.js';

const commands = suite<{ bot: BotUnderTest }>('bot: /kms and its subcommands');

commands.before(async (context) => {
  context.bot = await startBot(botWorld(), botConfig(), { channelSpacingMs: 0 });
  context.bot.slack.groups.set('S0SECTEAM', ['U0GROUPIE']);
  const scan = await context.bot.command('scan', MEMBER);
  await context.bot.slack.waitForResponse(scan.responseName);
  await context.bot.system.bot.notifier.idle();
});
commands.after(async ({ bot }) => bot.stop());

/** The text of every block of a reply, joined: what the caller reads. */
function textOf(json: Record<string, unknown> | undefined): string {
  const blocks = (json?.blocks as { text?: { text: string } }[] | undefined) ?? [];
  return blocks.map((b) => b.text?.text ?? '').join('\n');
}

commands('help and an empty command show the usage, visible only to the caller', async ({ bot }) => {
  for (const text of ['help', '', '   ']) {
    const reply = await bot.command(text);
    assert.is(reply.status, 200);
    assert.is(reply.json?.response_type, 'ephemeral');
    for (const sub of ['scan', 'findings', 'status', 'trusted', 'trust', 'untrust'])
      assert.match(textOf(reply.json), `/kms ${sub}`);
  }
});

commands('anything unrecognized gets the usage, quoting the word', async ({ bot }) => {
  const reply = await bot.command('frobnicate now');
  assert.match(textOf(reply.json), /"frobnicate" is not a \/kms command/);
  const noise = await bot.command('x'.repeat(4000));
  assert.is(noise.status, 200);
  assert.match(textOf(noise.json), /"x{40}…" is not a \/kms command/);
  assert.ok(JSON.stringify(noise.json).length < 5000, 'the noise is not echoed back whole');
});

commands('bad input gets a specific reply and changes nothing', async ({ bot }) => {
  const before = bot.system.record.listTrust().length;
  const cases: [string, RegExp][] = [
    ['trust 12345678901', /"12345678901" is not a 12-digit AWS account ID/],
    ['trust arn:aws:iam::12:role/x', /is not an account ID \(111122223333\), a principal ARN/],
    ['untrust 999999999999 extra', /untrust takes one entry, not "extra" after it/],
    ['trusted please', /trusted takes nothing after it/],
    ['status now', /status takes nothing after it/],
    ['scan 1234', /"1234" is not a 12-digit AWS account ID/],
    ['scan mars', /neither a 12-digit account ID nor a region name/],
    ['findings open 12', /"12" is not a 12-digit AWS account ID/],
    ['trust <https://example.com|123412341234>', /Slack turned part of the command into a link .*"123412341234"/],
    ['trust <@U0123>', /Slack turned part of the command into a mention/],
    ['untrust <#C0123|general>', /into a channel/],
    ['scan 333333333333', /account 333333333333 is not among the configured accounts/],
    ['scan eu-west-3', /region eu-west-3 is not among the configured regions/],
  ];
  for (const [text, expected] of cases) {
    const reply = await bot.command(text, ADMIN);
    assert.is(reply.status, 200, text);
    assert.match(textOf(reply.json), expected, text);
  }
  assert.is(bot.system.record.listTrust().length, before, 'nothing was trusted or untrusted');
  assert.is(bot.system.bot.scans.running(), undefined, 'no scan was started outside the config');
});

commands('findings: worst first, principals in code formatting, filtered by status and account', async ({ bot }) => {
  const all = await bot.command('findings');
  const text = textOf(all.json);
  assert.match(text, /open findings, worst first/);
  assert.ok(text.indexOf('CRITICAL') < text.indexOf('HIGH'), 'critical first');
  assert.match(text, /`\*` \(anyone\)/, 'a public principal is shown in code, not as markup');
  assert.match(text, new RegExp(`\`${FOREIGN}\``));
  const staging = textOf((await bot.command('findings all 222222222222')).json);
  assert.not.match(staging, /111111111111\//);
  assert.match(staging, /222222222222\//);
  assert.match(textOf((await bot.command('findings resolved')).json), /No resolved findings/);
});

commands('status: the last scan, the next one, open findings by severity, the outbox', async ({ bot }) => {
  const text = textOf((await bot.command('status')).json);
  assert.match(text, /Last scan .* by <@U0MEMBER>/);
  assert.match(text, /\*incomplete\* \(1 error\)/, 'the locked key made it incomplete');
  assert.match(text, /Next scheduled scan <!date\^\d+/);
  assert.match(text, /:red_circle: 1 critical/);
  assert.match(text, /Notifications waiting: 0/);
});

commands('trusted lists the trust list with who and when', async ({ bot }) => {
  assert.match(textOf((await bot.command('trusted')).json), /The trust list is empty/);
});

commands('trust and untrust: admins only; the reply says how many findings changed', async ({ bot }) => {
  const refused = await bot.command(`trust ${PARTNER} partner`, MEMBER);
  assert.match(textOf(refused.json), /Only the admins listed under `slack.admins` may trust accounts/);
  assert.equal(bot.system.record.listTrust(), []);
  const raw = new Database(bot.db, { readonly: true });
  const refusal = raw
    .prepare("SELECT actor, action, after FROM audit WHERE action = 'refused' ORDER BY id DESC LIMIT 1")
    .get() as Record<string, string>;
  raw.close();
  assert.equal([refusal.actor, JSON.parse(refusal.after ?? '{}').action], ['slack:U0MEMBER', `trust ${PARTNER}`]);

  const working = await bot.command(`trust ${PARTNER} the CI partner`, ADMIN);
  assert.match(textOf(working.json), /Trusting 777788889999/);
  const done = await bot.slack.waitForResponse(working.responseName);
  assert.match(textOf(done), /`777788889999` is now trusted\. 1 finding resolved/);
  const [entry] = bot.system.record.listTrust();
  assert.equal([entry?.entry, entry?.note, entry?.addedBy], [PARTNER, 'the CI partner', `slack:${ADMIN}`]);

  const untrust = await bot.command(`untrust ${PARTNER}`, 'U0GROUPIE');
  const undone = await bot.slack.waitForResponse(untrust.responseName);
  assert.match(textOf(undone), /`777788889999` is no longer trusted\. 1 finding opened again/, 'a user-group admin');
  const missing = await bot.command(`untrust ${PARTNER}`, ADMIN);
  assert.match(
    textOf(await bot.slack.waitForResponse(missing.responseName)),
    /is not on the trust list; nothing was removed/,
  );
});

commands(
  "an admin check slower than Slack's three seconds answers at once, and ends through response_url",
  async () => {
    const slack = await new FakeSlack().start();
    slack.groups.set('S0SECTEAM', ['U0SLOW']);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    slack.overrides.set('usergroups.users.list', () => gate.then(() => undefined));
    const bot = await startBot(botWorld(), botConfig(), { slack, channelSpacingMs: 0 });
    try {
      const working = await bot.command(`trust ${PARTNER} slow group`, 'U0SLOW');
      assert.is(working.status, 200, 'answered within the window');
      assert.match(textOf(working.json), /Trusting 777788889999/);
      release();
      assert.match(textOf(await bot.slack.waitForResponse(working.responseName)), /`777788889999` is now trusted/);
      // The group is known now: a refusal is the answer itself.
      const stranger = await bot.command(`untrust ${PARTNER}`, MEMBER);
      assert.is(stranger.status, 200);
      assert.match(textOf(stranger.json), /Only the admins listed under `slack.admins` may untrust accounts/);
      assert.is(bot.system.record.listTrust().length, 1, 'the refused untrust changed nothing');
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

commands.run();
