// Needs the build: spawns dist/cli/main.js (`npm run test:unit` builds first).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { slackEnvironment } from '../../src/cli/commands/serve.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { sandboxEnvironment } from '../../src/sandbox/sdk-env.js';
import { botConfig } from '../helpers/bot.js';
import { botWorld } from '../helpers/bot-world.js';
import { deadline } from '../helpers/clock.js';
import { observed } from '../helpers/deadline.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { SIGNING_SECRET } from '../helpers/slack-requests.js';

const dockerfile = suite('Dockerfile: the image builds, runs and stops as the code expects');

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const BIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions, stage by stage: comments dropped, continued lines joined. */
function stages(text: string): Instruction[][] {
  const lines = text.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const result: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const instruction = { keyword: (match[1] ?? '').toUpperCase(), args: match[2] ?? '' };
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const [build = [], runtime = [], ...extra] = stages(read('Dockerfile'));
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);
const only = (stage: Instruction[], keyword: string) => {
  const found = all(stage, keyword);
  assert.is(found.length, 1, `one ${keyword} in the stage: ${JSON.stringify(found)}`);
  return found[0] ?? '';
};
const execForm = (args: string) => JSON.parse(args) as string[];
const runs = (stage: Instruction[]) => all(stage, 'RUN').join('\n');
const env = (stage: Instruction[]) =>
  Object.fromEntries(
    all(stage, 'ENV').flatMap((args) => [...args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? ''])),
  );

dockerfile('two stages, both the Node major package.json asks for, the same image so the addon matches', () => {
  assert.is(extra.length, 0);
  const [image, as, name] = only(build, 'FROM').split(/\s+/);
  assert.equal([as?.toUpperCase(), name], ['AS', 'build']);
  assert.is(only(runtime, 'FROM'), image, 'the runtime stage runs on the image the addon was compiled on');
  const major = /^node:(\d+)-/.exec(image ?? '')?.[1];
  assert.ok(major !== undefined, `${image} is an official node image with its major in the tag`);
  assert.is(/^>=\s*(\d+)\./.exec(pkg.engines.node)?.[1], major, 'engines.node');
  assert.ok(`@tsconfig/node${major}` in pkg.devDependencies, 'the tsconfig base compiles for that Node');
  assert.match(pkg.devDependencies['@types/node'] ?? '', new RegExp(`^\\^${major}\\.`), '@types/node');
  assert.match(image ?? '', /-(bookworm|bullseye|trixie)(-slim)?$/, 'a glibc (Debian) image: no musl surprise');
});

dockerfile('the build stage compiles better-sqlite3 from source, builds, then drops the dev dependencies', () => {
  const text = runs(build);
  const installed = /apt-get install ([^&]*)/.exec(text)?.[1]?.split(/\s+/) ?? [];
  for (const tool of ['python3', 'make', 'g++']) assert.ok(installed.includes(tool), `${tool} for node-gyp`);
  assert.match(text, /npm ci --ignore-scripts/);
  assert.match(text, /npm rebuild better-sqlite3 --build-from-source/);
  const order = ['npm ci', 'npm rebuild better-sqlite3', 'npm run build', 'npm prune --omit=dev'].map((step) =>
    text.indexOf(step),
  );
  assert.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] ?? 0))),
    `steps in order: ${order}`,
  );
  // allowScripts approves better-sqlite3's install script and no other: the build runs exactly that one.
  assert.equal(
    Object.entries((JSON.parse(read('package.json')) as { allowScripts: Record<string, boolean> }).allowScripts)
      .filter(([, allowed]) => allowed)
      .map(([name]) => name),
    ['better-sqlite3'],
  );
  assert.ok(
    all(build, 'COPY').some((args) => /\bsrc\b/.test(args)),
    'the sources are copied in',
  );
});

dockerfile('the runtime stage installs nothing: it copies the pruned production install and the build', () => {
  assert.not.match(runs(runtime), /\bnpm\b|apt-get|node-gyp/);
  const copies = all(runtime, 'COPY');
  for (const path of ['/app/package.json', '/app/node_modules', '/app/dist']) {
    assert.ok(
      copies.some((args) => args.startsWith('--from=build ') && args.includes(`${path} `)),
      `${path} from the build stage`,
    );
  }
});

dockerfile('a non-root user; the database on the /data volume, which that user owns', () => {
  const user = all(runtime, 'USER').at(-1) ?? '';
  const [name] = user.split(':');
  assert.ok(name !== undefined && name !== '' && name !== 'root' && name !== '0', `USER ${user} is not root`);
  assert.equal(
    all(runtime, 'VOLUME').map((args) => (args.startsWith('[') ? execForm(args) : args.split(/\s+/))),
    [['/data']],
  );
  assert.match(env(runtime).KMS_SENTINEL_DATABASE ?? '', /^\/data\/[^/]+\.db$/);
  const volumeAt = runtime.findIndex((i) => i.keyword === 'VOLUME');
  const chownAt = runtime.findIndex(
    (i) => i.keyword === 'RUN' && /chown (node|1000)(:(node|1000))? \/data/.test(i.args),
  );
  assert.ok(chownAt >= 0 && chownAt < volumeAt, '/data is given to the user before VOLUME, so a new volume is theirs');
  assert.ok(/^(node|1000)(:(node|1000))?$/.test(user), 'the user who owns /data');
  // The code reads it: a config naming no database: gets the image's.
  assert.match(read('src/config/load-config.ts'), /env\.KMS_SENTINEL_DATABASE/);
});

dockerfile('node runs the CLI itself (no npm, no shell) as PID 1, serve by default, stopped by SIGTERM', () => {
  assert.equal(execForm(only(runtime, 'ENTRYPOINT')), ['node', `/app/${pkg.bin['kms-sentinel']}`]);
  assert.equal(execForm(only(runtime, 'CMD')), ['serve']);
  assert.is(only(runtime, 'STOPSIGNAL'), 'SIGTERM');
  assert.match(read('src/cli/commands/serve.ts'), /io\.onInterrupt\?\.\(/);
});

/** The HEALTHCHECK's options and its command, which must be the exec form (no shell in between). */
function healthcheck(): { options: string; command: string[] } {
  const args = only(runtime, 'HEALTHCHECK');
  const at = args.indexOf('CMD [');
  assert.ok(at >= 0, `HEALTHCHECK ${args} runs CMD in the exec form`);
  return { options: args.slice(0, at), command: execForm(args.slice(at + 'CMD '.length)) };
}

dockerfile('HEALTHCHECK asks GET /healthz on PORT, 3000 by default as serve listens and EXPOSE says', () => {
  const { options, command } = healthcheck();
  assert.match(options, /--timeout=\d+s/);
  assert.match(options, /--start-period=\d+s/);
  assert.is(command[0], 'node', 'the slim image has no curl');
  assert.match(command.join(' '), /\/healthz/);
  assert.match(command.join(' '), /process\.env\.PORT \|\| 3000/);
  assert.is(slackEnvironment({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's' }).port, 3000);
  assert.equal(all(runtime, 'EXPOSE'), ['3000']);
});

/** Runs the HEALTHCHECK's command as Docker would, with PORT in its environment; resolves with its exit status. */
async function check(port: number): Promise<number> {
  const { command } = healthcheck();
  const child = spawn(process.execPath, command.slice(1), {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const [code] = (await once(child, 'exit')) as [number];
  return code;
}

dockerfile('the HEALTHCHECK command: 0 for a 200, 1 for a 503 or nothing listening', async () => {
  let status = 200;
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    res.writeHead(status).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    assert.is(await check(port), 0);
    status = 503;
    assert.is(await check(port), 1);
    assert.equal(paths, ['GET /healthz', 'GET /healthz']);
  } finally {
    server.close();
  }
  assert.is(await check(port), 1);
});

dockerfile('.dockerignore keeps installed and built output, databases and test output out, not the sources', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const entry of ['.git', '**/node_modules', 'dist', 'data', '**/*.db', 'reports', '.stryker-tmp', 'coverage']) {
    assert.ok(ignored.includes(entry), entry);
  }
  const sources = all(build, 'COPY').flatMap((args) => args.split(/\s+/).slice(0, -1));
  for (const source of sources) assert.not.ok(ignored.includes(source), `${source} is copied but ignored`);
});

/** How this machine can run a process as PID 1 of a new PID namespace, as a container does (undefined: it cannot). */
const UNSHARE = [
  ['--pid', '--fork'],
  ['--user', '--map-root-user', '--pid', '--fork'],
].find((options) => spawnSync('unshare', [...options, 'true'], { stdio: 'ignore' }).status === 0);

/** Starts the built CLI as PID 1; `pid` is its process ID out here, where signals are sent from. */
async function asPid1(args: string[], childEnv: NodeJS.ProcessEnv) {
  const child = spawn('unshare', [...(UNSHARE ?? []), process.execPath, BIN, ...args], {
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  const printed = new EventEmitter();
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
    printed.emit('data');
  });
  const pid = await observed(() => {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    return children === '' ? undefined : Number(children.split(' ')[0]);
  }, 'unshare starting the CLI');
  /** The first line the CLI printed on stderr that `match` accepts, once it has. */
  const line = (match: (line: string) => boolean, what: string) =>
    deadline(
      (async () => {
        for (;;) {
          const found = stderr.split('\n').find(match);
          if (found !== undefined) return found;
          await once(printed, 'data');
        }
      })(),
      `${what}:\n${stderr}`,
    );
  return { child: child as ChildProcess, pid, stderr: () => stderr, line };
}

async function exitOf(child: ChildProcess, ms = 10_000): Promise<number | string> {
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  return code ?? String(signal);
}

dockerfile(
  'as PID 1 without --init, a command that does not watch for signals still ends on SIGTERM: 143',
  async () => {
    if (UNSHARE === undefined) {
      process.stderr.write('dockerfile.test.ts: unshare cannot make a PID namespace here; PID 1 not checked\n');
      return;
    }
    // check-policy waits for its policy on stdin, which never comes.
    const cli = await asPid1(['check-policy', '--key-account', '111111111111', '-'], process.env);
    // PID 1 ignores SIGTERM until the CLI's handler is in place (nothing outside can see when): it is sent until the CLI
    // ends; without the handler it never would, and the deadline's SIGKILL fails the test.
    const exited = exitOf(cli.child);
    const again = setInterval(() => {
      try {
        process.kill(cli.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }, 50);
    try {
      assert.is(await exited, 143, cli.stderr());
    } finally {
      clearInterval(again);
    }
  },
);

dockerfile('as PID 1, serve still stops cleanly on SIGTERM (its own stop, not the fallback): exit 0', async () => {
  if (UNSHARE === undefined) return;
  const slack = await new FakeSlack().start();
  const sandbox = await startSandbox(botWorld());
  const dir = mkdtempSync(join(tmpdir(), 'kms-sentinel-pid1-'));
  try {
    writeFileSync(join(dir, 'k.yml'), botConfig());
    const serveEnv = {
      ...sandboxEnvironment(process.env, sandbox.env),
      SLACK_BOT_TOKEN: 'xoxb-pid1',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      KMS_SENTINEL_DATABASE: join(dir, 'k.db'),
    };
    const bot = await asPid1(['serve', '--config', join(dir, 'k.yml')], serveEnv);
    const listening = await bot.line((l) => l.includes('"msg":"listening"'), 'serve listening');
    const { port } = JSON.parse(listening) as { port: number };
    assert.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    process.kill(bot.pid, 'SIGTERM');
    assert.is(await exitOf(bot.child), 0, bot.stderr());
    assert.match(bot.stderr(), /"msg":"stopped"/);
  } finally {
    await slack.stop();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

dockerfile.run();
