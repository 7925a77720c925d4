import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../src/adapters/store/sqlite-store.js';
import type { Store } from '../../src/usecases/store-port.js';

const together = suite('store: two processes on one database');
const ROOT = new URL('../..', import.meta.url).pathname;
const PAIRS = 100;
const SCANS = 5;
const freshPath = () => join(mkdtempSync(join(tmpdir(), 'kms-sentinel-two-')), 'k.db');

interface Span {
  readonly startedAt: number;
  readonly finishedAt: number;
}

interface Outcome {
  readonly code: number | null;
  readonly stderr: string;
  readonly window: Span | undefined;
}

/** Forks one writer (see writer-process.ts) and resolves once it is loaded and waiting for 'go'. */
async function writer(mode: string, path: string, tag: string, account: string) {
  const child: ChildProcess = fork(join(ROOT, 'test/store/writer-process.ts'), [mode, path, tag, account], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let window: Span | undefined;
  child.on('message', (m) => {
    if (typeof m === 'object' && m !== null && 'done' in m) window = m as unknown as Span;
  });
  // 'close' comes after 'exit' once stderr is drained, so that a failing writer's message is complete.
  const exited = once(child, 'close');
  const [ready] = await Promise.race([once(child, 'message'), exited]);
  assert.is(ready, 'ready', `writer ${tag} did not start: ${stderr}`);
  return {
    go: async (): Promise<Outcome> => {
      child.send('go');
      const [code] = (await exited) as [number | null];
      return { code, stderr, window };
    },
  };
}

/** Starts every writer at the same moment and waits for all of them to exit. */
async function runTogether(writers: Awaited<ReturnType<typeof writer>>[]): Promise<Outcome[]> {
  return Promise.all(writers.map((w) => w.go()));
}

function withStore<T>(path: string, fn: (store: Store) => T): T {
  const store = new SqliteStore(path);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

together('two processes creating the same new database at once both open it', async () => {
  const path = freshPath();
  const outcomes = await runTogether(await Promise.all(['A', 'B'].map((tag) => writer('open', path, tag, ''))));
  for (const o of outcomes) assert.is(o.code, 0, o.stderr);
  withStore(path, (store) => {
    assert.equal(
      store
        .listTrust()
        .map((t) => t.entry)
        .sort(),
      ['200000000000', '300000000000'],
    );
  });
});

together('the bot and CLI commands writing at the same time: every change of both lands', async () => {
  const path = freshPath();
  withStore(path, () => undefined);
  const [bot, cli] = await Promise.all([
    writer('bot', path, 'A', '111111111111'),
    writer('cli', path, 'B', '222222222222'),
  ]);
  const outcomes = await runTogether([bot, cli]);
  for (const o of outcomes) assert.is(o.code, 0, o.stderr);
  const [a, b] = outcomes.map((o) => o.window) as [Span, Span];
  assert.ok(a.startedAt < b.finishedAt && b.startedAt < a.finishedAt, 'the two writers ran at the same time');

  withStore(path, (store) => {
    assert.equal(
      store
        .listTrust()
        .map((t) => t.entry)
        .sort(),
      ['200000000999', '300000000999'],
    );

    const scans = store.scans(100);
    const expectedScans = ['A', 'B'].flatMap((tag) =>
      Array.from({ length: SCANS }, (_, n) => ({ id: `${tag}-scan-${n}`, newFindings: 1, stillOpen: n, resolved: 0 })),
    );
    assert.equal(
      scans
        .map((s) => ({ id: s.id, newFindings: s.newFindings, stillOpen: s.stillOpen, resolved: s.resolved }))
        .sort((x, y) => x.id.localeCompare(y.id)),
      expectedScans,
    );

    const findings = store.findings({ status: 'all', accountId: undefined }, new Date());
    assert.equal(
      findings.map((f) => `${f.keyId} ${f.status} ${f.timesSeen}`).sort(),
      ['A', 'B'].flatMap((tag) => Array.from({ length: SCANS }, (_, k) => `${tag}-key-${k} open ${SCANS - k}`)),
    );

    const audit = store.audit(100_000);
    const count = (action: string) => audit.filter((r) => r.action === action).length;
    assert.is(count('trust-added'), 2 * (PAIRS + 1));
    assert.is(count('trust-removed'), 2 * PAIRS);
    assert.is(count('finding-opened'), 2 * SCANS);
    assert.is(audit.length, 2 * (2 * PAIRS + 1) + 2 * SCANS, 'no other audit row');
    assert.equal(new Set(audit.map((r) => r.id)).size, audit.length);

    const notified = (kind: string) => store.outbox(1000).filter((o) => o.kind === kind).length;
    assert.is(notified('finding-opened'), 2 * SCANS);
    assert.is(notified('trust-added'), 2 * (PAIRS + 1));
    assert.is(notified('trust-removed'), 2 * PAIRS);
    assert.is(store.outbox(1000).length, 2 * SCANS + 2 * (2 * PAIRS + 1), 'no other notification');
  });
});

together.run();
