import { setImmediate } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_KMS_RATES, Pacer, type PacerClock } from '../../src/adapters/aws/pacer.js';

/** A clock whose time moves only when the test says so; sleepers wake in order of their wake time. */
class FakeClock implements PacerClock {
  time = 0;
  private sleepers: Array<{ at: number; wake: () => void }> = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((sleeper) => sleeper !== entry);
        reject(signal.reason);
      };
      const entry = {
        at: this.time + ms,
        wake: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(entry);
    });
  }

  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Moves time on to `to` (or to the last sleeper's wake time when omitted), waking each sleeper at its time. */
  async advance(to = Math.max(this.time, ...this.sleepers.map((sleeper) => sleeper.at))): Promise<void> {
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (next === undefined || next.at > to) break;
      this.sleepers.shift();
      this.time = next.at;
      next.wake();
      await setImmediate();
    }
    this.time = to;
    await setImmediate();
  }
}

const OP = 'GetKeyPolicy';
/** GetKeyPolicy at 100 req/s with 50% headroom: a ceiling of 50 req/s, one request every 20 ms. */
const RATES = { ...DEFAULT_KMS_RATES, [OP]: 100 };
const HEADROOM = 0.5;
const CEILING_GAP = 1000 / 50;
const EPSILON = 1e-6;

function setup() {
  const clock = new FakeClock();
  return { clock, pacer: new Pacer(RATES, HEADROOM, clock), signal: new AbortController().signal };
}

/** Asks for `count` slots of `operation` at once; the times (since the first ask) at which they were granted. */
async function grantTimes(clock: FakeClock, pacer: Pacer, operation: string, count: number, signal: AbortSignal) {
  const start = clock.now();
  const granted = Array.from({ length: count }, () => pacer.slot(operation, signal).then(() => clock.now() - start));
  await setImmediate(); // the slots granted at once see the time of the ask
  await clock.advance();
  return Promise.all(granted);
}

const gaps = (times: number[]) => times.slice(1).map((time, index) => time - (times[index] as number));

/**
 * The gaps the pacer keeps now between requests, measured on slots asked for once it has gone idle (its last slot
 * is over 100 ms old, longer than any gap in these tests); moves time on by a little over 100 ms.
 */
async function currentGaps(clock: FakeClock, pacer: Pacer, signal: AbortSignal): Promise<number[]> {
  await clock.advance(clock.now() + 100);
  return gaps(await grantTimes(clock, pacer, OP, 4, signal));
}

const approx = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < EPSILON, `${what}: ${actual}, expected ${expected}`);
const allApprox = (actual: number[], expected: number, what: string) => {
  assert.is(actual.length, 3);
  for (const value of actual) approx(value, expected, what);
};

const pacer = suite('pacer');

pacer('requests of one operation are spaced evenly at rate x headroom, the first at once', async () => {
  const { clock, pacer, signal } = setup();
  const times = await grantTimes(clock, pacer, OP, 5, signal);
  times.forEach((time, index) => {
    approx(time, index * CEILING_GAP, `request ${index}`);
  });
});

pacer('operations are paced separately', async () => {
  const { clock, pacer, signal } = setup();
  const granted = (['GetKeyPolicy', 'DescribeKey', 'GetKeyPolicy', 'DescribeKey'] as const).map((operation) =>
    pacer.slot(operation, signal).then(() => clock.now()),
  );
  await setImmediate();
  await clock.advance();
  // Each operation's second request waits one gap (DescribeKey: 100 req/s x 0.5), not behind the other's queue.
  assert.equal(await Promise.all(granted), [0, 0, 20, 20]);
});

pacer('a throttle cuts the rate by 30%, at most once a second', async () => {
  const { clock, pacer, signal } = setup();
  pacer.throttled(OP);
  allApprox(await currentGaps(clock, pacer, signal), 1000 / 35, 'after one throttle (50 -> 35 req/s)');

  await clock.advance(999);
  pacer.throttled(OP);
  pacer.throttled(OP);
  allApprox(await currentGaps(clock, pacer, signal), 1000 / 35, 'throttles within a second of the cut');

  assert.ok(clock.now() >= 1000);
  pacer.throttled(OP);
  allApprox(await currentGaps(clock, pacer, signal), 1000 / 24.5, 'a throttle a second later (35 -> 24.5 req/s)');
});

pacer('a throttle cuts only its own operation', async () => {
  const { clock, pacer, signal } = setup();
  pacer.throttled(OP);
  const times = await grantTimes(clock, pacer, 'DescribeKey', 3, signal);
  assert.equal(times, [0, 20, 40]);
});

pacer('successes climb back slowly, up to the ceiling and never above it', async () => {
  const { clock, pacer, signal } = setup();
  for (let i = 0; i < 100; i++) pacer.succeeded(OP);
  allApprox(await currentGaps(clock, pacer, signal), CEILING_GAP, 'successes at the ceiling');

  pacer.throttled(OP);
  pacer.succeeded(OP);
  allApprox(await currentGaps(clock, pacer, signal), 1000 / 35.1, 'one success adds a 500th of the ceiling');
  for (let i = 0; i < 9; i++) pacer.succeeded(OP);
  allApprox(await currentGaps(clock, pacer, signal), 1000 / 36, 'after 10 successes (35 -> 36 req/s)');

  for (let i = 0; i < 139; i++) pacer.succeeded(OP);
  allApprox(await currentGaps(clock, pacer, signal), 1000 / 49.9, 'one success short of the ceiling');
  for (let i = 0; i < 1000; i++) pacer.succeeded(OP);
  allApprox(await currentGaps(clock, pacer, signal), CEILING_GAP, 'after many more successes: the ceiling');
});

pacer('unknown operations are not paced', async () => {
  const { clock, pacer, signal } = setup();
  pacer.throttled('Decrypt');
  await Promise.all(Array.from({ length: 1000 }, () => pacer.slot('Decrypt', signal)));
  assert.is(clock.sleeping, 0);
  assert.is(clock.now(), 0);
});

pacer('an aborted signal rejects a waiting slot (fake clock)', async () => {
  const { clock, pacer, signal } = setup();
  const controller = new AbortController();
  await pacer.slot(OP, signal);
  let outcome: unknown = 'still waiting';
  pacer.slot(OP, controller.signal).then(
    () => {
      outcome = 'granted';
    },
    (caught: unknown) => {
      outcome = caught;
    },
  );
  await setImmediate();
  assert.is(outcome, 'still waiting');
  assert.is(clock.sleeping, 1);
  const reason = new Error('cancelled');
  controller.abort(reason);
  await setImmediate();
  assert.is(outcome, reason, 'rejected with the abort reason, without the clock moving');
  assert.is(clock.sleeping, 0);
});

pacer('an aborted signal rejects a waiting slot (the real clock, the default)', async () => {
  const real = new Pacer({ ...DEFAULT_KMS_RATES, [OP]: 1 }, 1);
  const controller = new AbortController();
  await real.slot(OP, controller.signal);
  const started = performance.now();
  const waiting = real.slot(OP, controller.signal); // one second away
  setTimeout(() => controller.abort(), 10);
  let error: unknown;
  await waiting.catch((caught: unknown) => {
    error = caught;
  });
  assert.instance(error, Error);
  assert.is((error as Error).name, 'AbortError');
  assert.ok(performance.now() - started < 500, 'rejected at the abort, not at the slot');
});

pacer.run();
