import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type BotUnderTest, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld, FOREIGN, PARTNER, PROD } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { type Posted, viewSubmission } from '../helpers/slack-requests.js';

const check = suite<{ bot: BotUnderTest }>('bot: /kms check, the what-if modal');

check.before(async (context) => {
  // PARTNER is trusted; FOREIGN is not. Nothing is scanned: the check reads the trust list only.
  context.bot = await startBot(botWorld(), botConfig(`trusted: ["${PARTNER}"]`), { channelSpacingMs: 0 });
});
check.after(async ({ bot }) => bot.stop());

const policy = (principal: string, actions: string[] = ['kms:Decrypt']) =>
  JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Owner',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${PROD}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        { Sid: 'Partner use', Effect: 'Allow', Principal: { AWS: principal }, Action: actions, Resource: '*' },
      ],
    },
    null,
    2,
  );

/** The modal submitted by `user` with this policy and account, as Slack posts it. */
function submit(bot: BotUnderTest, text: string, account: string, user = MEMBER): Promise<Posted> {
  return bot.interaction(
    viewSubmission(
      user,
      { id: 'VCHECK', callback_id: 'kms_check_modal', private_metadata: '' },
      {
        check_policy: { policy: { type: 'plain_text_input', value: text } },
        check_account: { account: { type: 'plain_text_input', value: account } },
      },
    ),
  );
}

const viewOf = (p: Posted) => (p.json?.view ?? {}) as { submit?: unknown; blocks?: unknown[] };
const errorsOf = (p: Posted) => (p.json?.errors ?? {}) as Record<string, string>;

/** Every text of a view's blocks, joined: what the reader sees. */
function viewText(view: unknown): string {
  const blocks = (view as { blocks?: { text?: { text: string }; elements?: { text: string }[] }[] }).blocks ?? [];
  return blocks.map((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text)].join('\n')).join('\n');
}

/** What the CLI says on standard error for the same input, without its "kms-sentinel: " prefix. */
async function cliMessage(text: string, account: string): Promise<string> {
  const result = await cli(['check-policy', '-', '--key-account', account], text);
  assert.is(result.code, 2, result.stderr);
  return result.stderr.replace(/^kms-sentinel: /, '').trim();
}

check(
  'anyone opens it with the command: no reply, a modal on the trigger, the first account filled in',
  async ({ bot }) => {
    const opened = bot.slack.callsOf('views.open').length;
    const reply = await bot.command('check', MEMBER);
    assert.is(reply.status, 200);
    assert.is(reply.text, '', 'no message: the modal is the answer');
    const [call] = (await bot.slack.waitForCalls('views.open', opened + 1)).slice(opened);
    assert.match(String(call?.params.trigger_id), /^trigger-U0MEMBER-/);
    const view = call?.params.view as { callback_id: string; submit?: unknown; blocks: Record<string, unknown>[] };
    assert.is(view.callback_id, 'kms_check_modal');
    assert.ok(view.submit !== undefined);
    const inputs = view.blocks.filter((b) => b.type === 'input') as {
      block_id: string;
      element: { multiline?: boolean; initial_value?: string; max_length?: number };
    }[];
    assert.equal(
      inputs.map((b) => b.block_id),
      ['check_policy', 'check_account'],
    );
    assert.is(inputs[0]?.element.multiline, true);
    assert.is(inputs[0]?.element.max_length, 3000, "Slack's limit, said in the modal");
    assert.is(inputs[1]?.element.initial_value, PROD, 'the first configured account');
    assert.match(viewText(view), /1 entry/);
  },
);

check(
  'an untrusted account: the verdict replaces the form, seen by the submitter only, nothing stored',
  async ({ bot }) => {
    const audit = bot.system.record.audit(1000).length;
    const outbox = bot.system.record.outboxCounts();
    const posts = bot.slack.callsOf('chat.postMessage').length;
    const aws = bot.sandbox.stats().total;
    const reply = await submit(bot, policy(`arn:aws:iam::${FOREIGN}:root`), PROD);
    assert.is(reply.status, 200);
    assert.is(reply.json?.response_action, 'update');
    const text = viewText(reply.json?.view);
    assert.match(text, /1 finding for 1 principal/);
    assert.match(text, /Statement `Partner use`/);
    assert.match(text, new RegExp(`HIGH\\* \`arn:aws:iam::${FOREIGN}:root\``));
    assert.match(text, /`kms:Decrypt`/);
    assert.is(viewOf(reply).submit, undefined, 'a result, not a form');
    assert.is(bot.system.record.audit(1000).length, audit, 'nothing recorded');
    assert.equal(bot.system.record.outboxCounts(), outbox, 'nothing to post');
    assert.is(bot.slack.callsOf('chat.postMessage').length, posts, 'nothing posted to a channel');
    assert.is(bot.sandbox.stats().total, aws, 'nothing sent to AWS');
  },
);

check('a trusted account, and a principal of the key account: no finding', async ({ bot }) => {
  for (const principal of [`arn:aws:iam::${PARTNER}:role/Reader`, `arn:aws:iam::${PROD}:role/App`]) {
    const reply = await submit(bot, policy(principal), PROD);
    assert.is(reply.json?.response_action, 'update', principal);
    assert.match(viewText(reply.json?.view), /No principal outside the trust zone can use this key/, principal);
  }
  // The same policy for a key of the partner's account: the key's own account is always trusted, FOREIGN is not.
  const other = await submit(bot, policy(`arn:aws:iam::${FOREIGN}:root`, ['kms:*']), PARTNER);
  assert.match(viewText(other.json?.view), /CRITICAL/);
  assert.match(viewText(other.json?.view), new RegExp(`Key account \`${PARTNER}\``));
});

check('malformed JSON: the CLI’s line-and-column message, under the policy input', async ({ bot }) => {
  const broken = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",, }\n  ]\n}';
  const reply = await submit(bot, broken, PROD);
  assert.is(reply.json?.response_action, 'errors');
  const errors = errorsOf(reply);
  assert.equal(Object.keys(errors), ['check_policy']);
  assert.match(errors.check_policy ?? '', /^invalid JSON at line 4, column \d+: /);
  assert.is(errors.check_policy, await cliMessage(broken, PROD));
  // A document that is JSON but no policy: the CLI's words too.
  const notPolicy = '{"Version": "2012-10-17"}';
  const invalid = await submit(bot, notPolicy, PROD);
  assert.is(errorsOf(invalid).check_policy, await cliMessage(notPolicy, PROD));
});

check('a bad account: the CLI’s message, under the account input', async ({ bot }) => {
  const reply = await submit(bot, policy(`arn:aws:iam::${FOREIGN}:root`), '12345');
  const errors = errorsOf(reply);
  assert.equal(Object.keys(errors), ['check_account']);
  assert.is(errors.check_account, await cliMessage(policy(FOREIGN), '12345'));
  assert.match(errors.check_account ?? '', /"12345" is not a 12-digit AWS account ID/);
});

check('a policy of 32 KB is judged; a larger one is refused with the engine’s own message', async ({ bot }) => {
  const statements = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${String(300000000000 + i)}:role/reader-${i}` },
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
    }));
  let n = 1;
  while (JSON.stringify({ Version: '2012-10-17', Statement: statements(n + 1) }).length <= 32 * 1024) n++;
  const largest = JSON.stringify({ Version: '2012-10-17', Statement: statements(n) });
  assert.ok(largest.length > 32_000 && largest.length <= 32 * 1024, `${largest.length} bytes`);
  const judged = await submit(bot, largest, PROD);
  assert.is(judged.json?.response_action, 'update');
  assert.match(viewText(judged.json?.view), new RegExp(`${n} findings for ${n} principals`));
  const blocks = viewOf(judged).blocks ?? [];
  assert.ok(blocks.length <= 100, `${blocks.length} blocks: within a modal's limit`);

  const huge = JSON.stringify({ Version: '2012-10-17', Statement: statements(n * 4) });
  const refused = await submit(bot, huge, PROD);
  const errors = errorsOf(refused);
  assert.match(errors.check_policy ?? '', /^the policy is \d+ bytes; KMS key policies are limited to 32768 bytes/);
  assert.is(errors.check_policy, await cliMessage(huge, PROD));
  // The bot is still answering.
  assert.is((await bot.command('help')).status, 200);
});

check('a 32 KB policy naming thousands of principals: a result within what a modal holds', async ({ bot }) => {
  const accounts = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));
  const statement = (sid: string, principals: string[]) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principals },
    Action: 'kms:Decrypt',
    Resource: '*',
  });
  // One statement of 2,000 accounts; then 80 statements of 20 accounts each.
  const one = JSON.stringify({ Version: '2012-10-17', Statement: [statement('All', accounts(400000000000, 2000))] });
  const many = JSON.stringify({
    Version: '2012-10-17',
    Statement: Array.from({ length: 80 }, (_, i) => statement(`S${i}`, accounts(500000000000 + i * 20, 20))),
  });
  for (const text of [one, many]) {
    assert.ok(text.length <= 32 * 1024, `${text.length} bytes`);
    const reply = await submit(bot, text, PROD);
    assert.is(reply.json?.response_action, 'update');
    const view = viewOf(reply);
    assert.ok((view.blocks?.length ?? 0) <= 100, `${view.blocks?.length} blocks`);
    assert.ok(JSON.stringify(view).length < 250_000, `${JSON.stringify(view).length} bytes of view`);
    for (const block of view.blocks ?? []) {
      const length = (block as { text?: { text: string } }).text?.text.length ?? 0;
      assert.ok(length <= 3000, `a section of ${length} characters`);
    }
  }
  assert.match(
    viewText(viewOf(await submit(bot, one, PROD))),
    /2000 findings for 2000 principals[\s\S]*…and \d+ more in this statement/,
  );
  assert.match(viewText(viewOf(await submit(bot, many, PROD))), /\+\d+ more statements: `kms-sentinel check-policy/);
});

check('a modal Slack will not open (the trigger expired): said through response_url', async ({ bot }) => {
  bot.slack.overrides.set('views.open', () => [200, { ok: false, error: 'expired_trigger_id' }]);
  try {
    const reply = await bot.command('check', MEMBER);
    assert.is(reply.status, 200);
    const answer = await bot.slack.waitForResponse(reply.responseName);
    assert.is(answer.response_type, 'ephemeral');
    // Slack's error, as outside text (its underscores shown as look-alikes), and what to do.
    assert.match(JSON.stringify(answer.blocks), /expired.trigger.id\): try \/kms check again/);
  } finally {
    bot.slack.overrides.delete('views.open');
  }
});

check('check takes nothing after it', async ({ bot }) => {
  const reply = await bot.command('check {"Version": "2012-10-17"}');
  assert.match(JSON.stringify(reply.json?.blocks), /check takes nothing after it/);
});

check.run();
