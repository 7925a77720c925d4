import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ackModal } from '../../src/bot/blocks/ack-modal.js';
import { alertMessage } from '../../src/bot/blocks/alert.js';
import { digestMessage } from '../../src/bot/blocks/digest.js';
import { homeView } from '../../src/bot/blocks/home.js';
import type { Block } from '../../src/bot/blocks/kit.js';
import { code, escapeText, preformattedText, quoted } from '../../src/bot/blocks/mrkdwn.js';
import { findingsReply, trustedReply } from '../../src/bot/blocks/replies.js';
import type { StoredFinding } from '../../src/usecases/store-port.js';

const blocks = suite('bot messages: within Block Kit limits, and nothing from a policy becomes markup');

/** Checks what Slack checks (docs.slack.dev/reference/block-kit): counts and lengths. */
function assertValid(list: readonly Block[], maxBlocks: number): void {
  assert.ok(list.length <= maxBlocks, `${list.length} blocks`);
  for (const b of list) {
    if (b.type === 'header') assert.ok(b.text.text.length <= 150);
    if (b.type === 'section') {
      assert.ok((b.text?.text.length ?? 0) <= 3000, `section of ${b.text?.text.length}`);
      assert.ok((b.fields?.length ?? 0) <= 10);
      for (const f of b.fields ?? []) assert.ok(f.text.length <= 2000);
    }
    if (b.type === 'context') assert.ok(b.elements.length <= 10);
    if (b.type === 'actions') {
      assert.ok(b.elements.length <= 25);
      for (const e of b.elements) {
        if (e.type === 'button') assert.ok(e.text.text.length <= 75 && (e.value?.length ?? 0) <= 2000);
        if (e.type === 'overflow') assert.ok(e.options.length >= 2 && e.options.length <= 5);
        if (e.type === 'static_select') assert.ok(e.options.length <= 100);
      }
    }
  }
}

const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/k1';

function finding(i: number, extra: Partial<StoredFinding> = {}): StoredFinding {
  const account = String(300000000000 + i);
  return {
    accountId: '111111111111',
    region: 'us-east-1',
    keyId: 'k1',
    keyArn: KEY_ARN,
    aliases: ['alias/big'],
    keyState: 'Enabled',
    kind: 'account',
    source: 'policy',
    statement: `Statement ${i} <!channel> *bold* \`tick\``,
    grantId: null,
    principal: account,
    account,
    actions: [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:GenerateDataKey',
      'kms:CreateGrant',
      'kms:DescribeKey',
    ],
    severity: i % 3 === 0 ? 'critical' : 'high',
    public: false,
    reason: `account ${account} is not trusted`,
    fingerprint: i.toString(16).padStart(32, '0'),
    status: 'open',
    firstSeen: '2026-11-01T00:00:00.000Z',
    lastSeen: '2026-11-02T00:00:00.000Z',
    timesSeen: 2,
    ackBy: null,
    ackReason: null,
    ackUntil: null,
    resolvedAt: null,
    resolvedCause: null,
    ...extra,
  };
}

const key = {
  keyArn: KEY_ARN,
  keyId: 'k1',
  aliases: Array.from({ length: 300 }, (_, i) => `alias/a-very-long-alias-name-${i}`),
  accountId: '111111111111',
  accountName: 'prod <!here>',
  region: 'us-east-1',
  keyState: 'Enabled',
};

blocks('a key with hundreds of findings is still one valid alert: the worst shown, the rest counted', () => {
  const findings = Array.from({ length: 400 }, (_, i) => finding(i));
  const message = alertMessage({ key, findings, roleName: 'KmsSentinelAudit' });
  assertValid(message.blocks, 50);
  const text = JSON.stringify(message.blocks);
  assert.match(text, /more open findings on this key: `\/kms findings open 111111111111`/);
  assert.ok(message.text.length <= 3000);
  const menu = message.blocks.find((b) => b.type === 'actions');
  assert.ok(
    menu?.type === 'actions' && menu.elements.some((e) => e.type === 'static_select'),
    'many accounts: a select',
  );
});

blocks('text from policies and people is escaped: no mention, no markup, no broken code span', () => {
  const message = alertMessage({ key, findings: [finding(1)], roleName: 'KmsSentinelAudit' });
  const text = JSON.stringify(message.blocks);
  assert.not.match(text, /<!channel>|<!here>/);
  assert.match(text, /&lt;!channel&gt;/);
  assert.match(text, /`Statement 1 &lt;!channel&gt; \*bold\* ˋtickˋ`/, 'a backtick cannot end the code span');
  assert.is(code('a\r\nb'), '`a\\r\\nb`');
  assert.is(escapeText('a & <b>'), 'a &amp; &lt;b&gt;');
  // Markup characters a person wrote are shown as look-alikes, which Slack never formats (and no invisible is added).
  assert.is(quoted('*not bold*'), '>∗not bold∗');
});

blocks('a finding thousands of characters long is cut: the listing stays valid, with no empty section', () => {
  const long = finding(1, { principal: `arn:aws:iam::999999999999:role/${'x<'.repeat(1800)}*` });
  const list = findingsReply([long, finding(2)], 2, { status: 'open', accountId: undefined });
  assertValid(list.blocks, 50);
  for (const b of list.blocks) if (b.type === 'section') assert.ok((b.text?.text.length ?? 0) > 0, 'no empty section');
});

blocks('preformatted text from a policy cannot end its block or hide characters', () => {
  const shown = preformattedText(['statement "x```*BOLD* <!channel> \u202eevil"', 'next']);
  assert.not.match(shown, /```/);
  assert.not.match(shown, /<!channel>/);
  assert.not.ok(shown.includes('\u202e'), 'the override is not sent raw');
  assert.ok(shown.includes('\\u202e'), 'it is shown as an escape');
  assert.is(shown.split('\n').length, 2, 'lines stay lines');
});

blocks('a digest, a long findings list, the trust list, the Home tab and the modal stay within the limits', () => {
  const keys = Array.from({ length: 500 }, (_, i) => ({
    keyArn: `${KEY_ARN}${i}`,
    aliases: [`alias/k${i}`],
    accountId: String(100000000000 + (i % 80)),
    accountName: `account ${i % 80}`,
    region: 'us-east-1',
    findings: [finding(i)],
  }));
  assertValid(digestMessage(keys).blocks, 50);
  const many = Array.from({ length: 2000 }, (_, i) => finding(i));
  const list = findingsReply(many, many.length, { status: 'open', accountId: undefined });
  assertValid(list.blocks, 50);
  assert.match(JSON.stringify(list.blocks), /\+\d+ more: `kms-sentinel findings --status open` lists them all/);
  const trust = trustedReply(
    Array.from({ length: 1000 }, (_, i) => ({
      entry: String(500000000000 + i),
      kind: 'account' as const,
      note: 'n'.repeat(300),
      addedBy: 'cli:x',
      addedAt: '2026-01-01T00:00:00Z',
    })),
  );
  assertValid(trust.blocks, 50);
  const home = homeView({
    openBySeverity: new Map([['critical', 3]]),
    openByAccount: Array.from({ length: 500 }, (_, i) => ({ accountId: String(i), name: undefined, count: i })),
    lastScan: undefined,
    nextScan: null,
    running: false,
    trusted: 3,
  });
  assertValid(home.blocks, 100);
  const modal = ackModal('x'.repeat(5000), 3, { channel: 'C1', ts: '1.2' });
  assertValid(modal.blocks, 100);
  assert.ok(modal.private_metadata.length <= 3000);
});

blocks(
  'an acknowledged or resolved finding shows who did what and when, and drops the buttons when none is open',
  () => {
    const acked = finding(1, {
      status: 'acknowledged',
      ackBy: 'slack:U0ADMIN',
      ackReason: 'partner *until* March',
      ackUntil: '2027-03-01T00:00:00.000Z',
    });
    const resolved = finding(2, {
      status: 'resolved',
      resolvedAt: '2026-11-03T00:00:00.000Z',
      resolvedCause: 'trusted: 300000000002',
    });
    const message = alertMessage({ key, findings: [acked, resolved], roleName: 'KmsSentinelAudit' });
    const text = JSON.stringify(message.blocks);
    assert.match(text, /acknowledged by <@U0ADMIN> until <!date\^1803859200/);
    assert.match(text, /resolved <!date\^\d+[^>]*>: trusted: 300000000002/);
    assert.not.ok(message.blocks.some((b) => b.type === 'actions'));
  },
);

blocks.run();
