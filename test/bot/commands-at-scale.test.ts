import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { seedScan } from '../helpers/big-outbox.js';
import { ALERTS, botConfig, MEMBER, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline, ManualClock } from '../helpers/clock.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { eventBody, postSigned } from '../helpers/slack-requests.js';

const scale = suite('bot: /kms status, /kms findings and the Home tab over a record of 100,000 open findings');

const OPEN = 100_000;
const STAGING_ACCOUNT = '222222222222';

/** The text of every block of a reply, joined: what the caller reads. */
function textOf(json: Record<string, unknown> | undefined): string {
  const blocks = (json?.blocks as { text?: { text: string }; elements?: { text: string }[] }[] | undefined) ?? [];
  return blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
}

/**
 * One scan's 100,000 new findings in prod, waiting for C0ALERTS (paused: the bot is not in it), one of them
 * acknowledged until a moment that has passed (open again); then a staging key whose alert Slack refused for good.
 * Returns the database and the ID of the failed notification, queued behind the 100,000.
 */
function database(): { db: string; failedId: number } {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-scale-')), 'k.db');
  seedScan(db, { keys: OPEN, perKey: 1, scanId: 'scan-prod' });
  const [failedId] = seedScan(db, {
    keys: 1,
    perKey: 1,
    account: STAGING_ACCOUNT,
    scanId: 'scan-staging',
    keyPrefix: 'staging',
  });
  const sql = new Database(db);
  try {
    sql
      .prepare(
        `UPDATE findings SET status = 'acknowledged', ack_by = 'slack:U0ADMIN', ack_reason = 'for a week',
           ack_until = '2020-01-01T00:00:00.000Z' WHERE fingerprint = 'scan-prod-fp-7'`,
      )
      .run();
    sql
      .prepare(
        `UPDATE outbox SET state = 'failed', attempts = 1, last_error = 'msg_too_long', delivery_id = 'refused',
           delivery_target = '{"kind":"alert","channel":"C0STAGING","threadTs":null}' WHERE id = ?`,
      )
      .run(failedId);
  } finally {
    sql.close();
  }
  return { db, failedId: failedId ?? -1 };
}

scale(
  'each answers from the whole record: counts by severity and account, the worst findings first with how many more, and a failed notification however many wait before it',
  async () => {
    const { db, failedId } = database();
    const slack = await new FakeSlack().start();
    slack.channels.set(ALERTS, { name: 'kms-alerts', member: false });
    const bot = await startBot(botWorld(), botConfig(), { db, slack, clock: new ManualClock(), channelSpacingMs: 0 });
    try {
      await deadline(bot.system.bot.notifier.idle(), 'the digest held for C0ALERTS', 60_000);
      assert.ok(bot.system.record.outboxCounts().pending >= OPEN, 'a hundred thousand notifications wait');

      const status = textOf((await bot.command('status', MEMBER)).json);
      // The acknowledgement that ended counts as open, as everywhere else.
      assert.match(status, `${OPEN + 1} high`);
      assert.match(status, /\*1 failed\*/);
      assert.match(status, `#${failedId}`, 'the failed notification is named, queued behind 100,000 others');
      assert.match(status, /msg_too_long/);

      const findings = textOf((await bot.command('findings', MEMBER)).json);
      assert.match(findings, `${OPEN + 1} open findings, worst first`);
      const listed = findings.split('\n').filter((l) => l.includes(' via ')).length;
      assert.ok(listed > 100, `it lists what fits (${listed})`);
      assert.match(findings, `+${OPEN + 1 - listed} more: \`kms-sentinel findings --status open\` lists them all`);
      const staging = textOf((await bot.command(`findings open ${STAGING_ACCOUNT}`, MEMBER)).json);
      assert.match(staging, `1 open findings in ${STAGING_ACCOUNT}, worst first`);
      assert.match(staging, /alias\/staging-0/);
      assert.not.match(staging, /more:/);
      const acknowledged = textOf((await bot.command('findings acknowledged', MEMBER)).json);
      assert.match(acknowledged, /No acknowledged findings/, 'an acknowledgement that ended is not listed as one');

      await postSigned(bot.url, eventBody({ type: 'app_home_opened', user: MEMBER, channel: 'D1', tab: 'home' }), {
        json: true,
      });
      const [home] = await deadline(slack.waitForCalls('views.publish', 1), 'the Home tab');
      const view = JSON.stringify(home?.params.view);
      assert.match(view, `${OPEN + 1} high`);
      const tab = ((home?.params.view as { blocks: { text?: { text: string } }[] } | undefined)?.blocks ?? [])
        .map((b) => b.text?.text ?? '')
        .join('\n');
      assert.match(tab, `prod \`111111111111\`: ${OPEN}\n`, "prod's open findings");
      assert.match(tab, `staging \`${STAGING_ACCOUNT}\`: 1`);
    } finally {
      await bot.stop();
      await slack.stop();
    }
  },
);

scale.run();
