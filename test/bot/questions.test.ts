import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { SUBCOMMANDS } from '../../src/bot/command-text.js';
import { ADMIN, type BotUnderTest, MEMBER, startBot } from '../helpers/bot.js';
import {
  arnOf,
  FOREIGN,
  KEYS,
  PARTNER,
  PROD,
  questionsConfig,
  questionsWorld,
  READER_ROLE,
} from '../helpers/questions-world.js';

const questions = suite<{ bot: BotUnderTest }>('bot: /kms who and /kms key answer from the record, to the caller only');

const SLACK = `schedule: "0 0 1 1 *"
slack:
  channel: C0ALERTS
  admins: [${ADMIN}]
`;

questions.before(async (context) => {
  context.bot = await startBot(questionsWorld(), questionsConfig(SLACK), { channelSpacingMs: 0 });
  const scan = await context.bot.command('scan', MEMBER);
  await context.bot.slack.waitForResponse(scan.responseName);
  await context.bot.system.bot.notifier.idle();
});
questions.after(async ({ bot }) => bot.stop());

interface SlackBlock {
  type: string;
  text?: { text: string };
  elements?: { text: string }[];
}

/** The text of every block of a reply, joined: what the caller reads. */
function textOf(json: Record<string, unknown> | undefined): string {
  const blocks = (json?.blocks as SlackBlock[] | undefined) ?? [];
  return blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
}

questions(
  'who: by account and region, worst first, in code formatting; org-confined and unreadable apart',
  async ({ bot }) => {
    const reply = await bot.command(`who ${FOREIGN}`);
    assert.is(reply.status, 200);
    assert.is(reply.json?.response_type, 'ephemeral');
    const text = textOf(reply.json);
    assert.match(
      text,
      /:key: \*account 999999999999\* can use \*7 keys\*, 8 ways in \(0 trusted\) · not on the trust list/,
    );
    assert.match(text, /From the record, no AWS call: .*latest scan/);
    assert.match(
      text,
      /\*`111111111111` · `us-east-1`\*\n`alias\/reports` :red_circle: \*CRITICAL\* `\*` \(anyone\) via statement `Anyone`/,
    );
    assert.match(
      text,
      /`alias\/payments` :large_orange_circle: \*HIGH\* `arn:aws:iam::999999999999:user\/bob` via grant `g-bob`: `kms:Decrypt`, `kms:GenerateDataKey` \(one of its principals\) · open/,
    );
    assert.ok(text.indexOf('`us-east-1`') < text.indexOf('`eu-west-1`'), 'the worst place first');
    assert.match(
      text,
      /\*Only if account 999999999999 belongs to the organization named\*[^\n]*\n`111111111111\/us-east-1` `alias\/org`/,
    );
    assert.match(text, /\*Keys the record cannot fully tell about\*[^\n]*\n:grey_question: /);
  },
);

questions(
  'who: a trusted partner is shown with what it can use, marked trusted; a role reaches through its account',
  async ({ bot }) => {
    const partner = textOf((await bot.command(`who ${PARTNER}`)).json);
    assert.match(partner, /can use \*3 keys\*, 3 ways in \(2 trusted\) · trusted \(`777788889999`\)/);
    assert.match(partner, /`alias\/partner` .* via statement `Partner`: `kms:Decrypt`, `kms:Encrypt` · _trusted_/);
    const role = textOf((await bot.command(`who \`${READER_ROLE}\``)).json);
    assert.match(role, /`alias\/reader` .*`arn:aws:iam::999999999999:role\/Reader` via statement `ReaderRole`/);
    assert.match(
      role,
      /`999999999999` via statement `Shared`: `kms:Decrypt` \(its whole account: IAM there decides who\)/,
    );
  },
);

questions('key: its ways in, findings and history; an alias that names two keys shows both', async ({ bot }) => {
  const reply = await bot.command(`key ${arnOf(PROD, 'us-east-1', KEYS.payments)}`);
  const text = textOf(reply.json);
  assert.is(reply.json?.response_type, 'ephemeral');
  assert.match(
    text,
    /:key: `arn:aws:kms:us-east-1:111111111111:key\/[^`]+` \(`alias\/payments`\)\n`111111111111` · `us-east-1` · Enabled · last read <!date\^/,
  );
  assert.match(text, /\*Outside `111111111111`, 2 ways in\* \(0 trusted\):/);
  assert.match(text, /\*Findings\* \(2\):\n/);
  assert.match(
    text,
    /\*History\*, latest last:\n<!date\^\d+\^[^>]+> `scan:[^`]+` \*opened\* `999999999999` via statement `Shared`/,
  );
  const both = textOf((await bot.command('key alias/payments')).json);
  assert.match(both, /`alias\/payments` names \*2 keys\* in the record:/);
  assert.match(both, /\*Outside `111111111111`, 1 way in of `alias\/payments` in `111111111111\/eu-west-1`\*/);
  assert.match(both, /eu-west-1[\s\S]*us-east-1/);
});

questions('bad or unknown input gets a specific reply, quoting what was typed', async ({ bot }) => {
  const cases: [string, RegExp][] = [
    ['who', /who needs an account ID, a principal ARN or an organization ID/],
    ['who 1234', /"1234" is not a party to ask about; give a 12-digit account ID/],
    [`who ${FOREIGN} ${PARTNER}`, /who takes one argument, not "777788889999" after it/],
    ['key', /key needs a key ARN, a key ID or an alias/],
    ['key arn:aws:iam::111111111111:root', /is not a KMS key reference; give a key ARN/],
    ['key alias/nothing-here', /:x: no key in the record is alias\/nothing-here/],
    ['who <https://example.com|999999999999>', /Slack turned part of the command into a link/],
  ];
  for (const [text, expected] of cases) {
    const reply = await bot.command(text);
    assert.is(reply.status, 200, text);
    assert.match(textOf(reply.json), expected, text);
  }
  const usage = textOf((await bot.command('help')).json);
  assert.match(usage, /\/kms who ACCOUNT\|ARN\|o-ID/);
  assert.match(usage, /\/kms key ARN\|ALIAS/);
});

questions("the manifest's usage hint names every /kms subcommand the code reads", () => {
  const app = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
    features: { slash_commands: { usage_hint: string }[] };
  };
  const hint = app.features.slash_commands[0]?.usage_hint ?? '';
  for (const sub of SUBCOMMANDS) assert.match(hint, new RegExp(`(^|\\| )${sub}\\b`), sub);
});

questions.run();
