import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type { GrantEntry } from '../../src/core/scan/types.js';
import { botConfig, startBot } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { cli } from '../helpers/cli.js';
import { commitStaged, FOREIGN, keyWith, scanOf } from '../helpers/scan-results.js';

const scale = suite("bot: /kms who and /kms key past Slack's limits: cut, counted, and the CLI lists it all");

const KEYS = 1200;
const GRANTS = 900;

interface SlackBlock {
  type: string;
  text?: { text: string };
  elements?: { text: string }[];
}

/** A record of 1,200 keys shared with FOREIGN, one of them with 900 grants to FOREIGN's roles. */
function database(): { db: string; bigKey: string } {
  const db = join(mkdtempSync(join(tmpdir(), 'kms-sentinel-q-scale-')), 'k.db');
  const keys = Array.from({ length: KEYS }, (_, i) =>
    keyWith(`key-${String(i).padStart(5, '0')}-with-a-long-name-for-its-alias`, [FOREIGN]),
  );
  const grants: GrantEntry[] = Array.from({ length: GRANTS }, (_, i) => ({
    grantId: `grant-${String(i).padStart(4, '0')}-${'f'.repeat(40)}`,
    name: null,
    granteePrincipal: `arn:aws:iam::${FOREIGN}:role/etl-worker-${i}`,
    retiringPrincipal: null,
    issuingAccount: keys[0]?.accountId ?? null,
    operations: ['Decrypt', 'GenerateDataKey'],
  }));
  keys[0] = { ...(keys[0] as (typeof keys)[number]), grants };
  const store = new SqliteStore(db);
  try {
    const now = new Date(Date.now() - 60_000);
    commitStaged(store, scanOf(keys, { at: now }), { now });
  } finally {
    store.close();
  }
  return { db, bigKey: keys[0]?.keyArn ?? '' };
}

function check(json: Record<string, unknown> | undefined): { text: string; blocks: SlackBlock[] } {
  const blocks = (json?.blocks as SlackBlock[] | undefined) ?? [];
  assert.ok(blocks.length <= 50, `${blocks.length} blocks`);
  for (const b of blocks) if (b.type === 'section') assert.ok((b.text?.text.length ?? 0) <= 3000);
  const text = blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
  return { text, blocks };
}

scale('who: as many ways in as fit, then "+N more" and the command that lists them all; an empty answer', async () => {
  const { db } = database();
  const bot = await startBot(botWorld(), botConfig(), { db, channelSpacingMs: 0 });
  try {
    const reply = await bot.command(`who ${FOREIGN}`);
    assert.is(reply.status, 200);
    const { text } = check(reply.json);
    const total = KEYS + GRANTS;
    assert.match(text, new RegExp(`can use \\*${KEYS} keys\\*, ${total} ways in \\(0 trusted\\)`));
    const shown = text.split('\n').filter((line) => line.startsWith('`alias/key-')).length;
    assert.ok(shown > 100 && shown < total, `${shown} shown`);
    assert.ok(
      text.endsWith(`+${total - shown} more — \`kms-sentinel who ${FOREIGN}\` lists them all`),
      text.slice(-200),
    );

    const empty = check((await bot.command('who 123456789012')).json).text;
    assert.match(
      empty,
      new RegExp(`^:white_check_mark: No key in the record \\(${KEYS} keys\\) lets \\*account 123456789012\\* in`),
    );

    const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-q-scale-cli-'));
    writeFileSync(join(dir, 'k.yml'), 'regions: [us-east-1]\n');
    const all = await cli(['who', FOREIGN, '--db', db, '--config', join(dir, 'k.yml')], '', {});
    assert.is(all.code, 0, all.stderr);
    assert.is(all.stdout.split('\n').filter((line) => line.startsWith('  HIGH ')).length, total, 'the CLI lists all');
  } finally {
    await bot.stop();
  }
});

scale('key: a key with hundreds of grants is cut the same way, naming `kms-sentinel key`', async () => {
  const { db, bigKey } = database();
  const bot = await startBot(botWorld(), botConfig(), { db, channelSpacingMs: 0 });
  try {
    const { text } = check((await bot.command(`key ${bigKey}`)).json);
    assert.match(text, new RegExp(`\\*Outside \`111111111111\`, ${GRANTS + 1} ways in\\* \\(0 trusted\\)`));
    assert.match(text, new RegExp(`\\+\\d+ more — \`kms-sentinel key ${bigKey}\` lists them all$`));
  } finally {
    await bot.stop();
  }
});

scale.run();
