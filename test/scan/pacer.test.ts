import { setMaxListeners } from 'node:events';
import { setImmediate } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_KMS_RATES, Pacer, type PacerClock } from '../../src/adapters/aws/pacer.js';
import { deadline } from '../helpers/clock.js';

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
  const { signal } = new AbortController();
  setMaxListeners(1000, signal);
  return { clock, pacer: new Pacer(RATES, HEADROOM, clock), signal };
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

/** Half a second's worth of requests at the ceiling: what may go at once after the pacer has been idle that long. */
const BURST = 25;

/**
 * The gaps the pacer keeps now between requests once its burst is spent: asks for more slots than any burst holds
 * and measures the last four.
 */
async function steadyGaps(clock: FakeClock, pacer: Pacer, signal: AbortSignal): Promise<number[]> {
  return gaps((await grantTimes(clock, pacer, OP, BURST + 10, signal)).slice(-4));
}

const approx = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < EPSILON, `${what}: ${actual}, expected ${expected}`);
const allApprox = (actual: number[], expected: number, what: string) => {
  assert.is(actual.length, 3);
  for (const value of actual) approx(value, expected, what);
};

const pacer = suite('pacer');

pacer(
  'half a second of requests at rate x headroom goes at once; the rest are spaced evenly at that rate',
  async () => {
    const { clock, pacer, signal } = setup();
    const times = await grantTimes(clock, pacer, OP, BURST + 3, signal);
    times.forEach((time, index) => {
      approx(time, Math.max(0, index - BURST + 1) * CEILING_GAP, `request ${index}`);
    });
  },
);

pacer('an idle pacer earns its burst back at the rate, never more than half a second of it', async () => {
  const { clock, pacer, signal } = setup();
  await grantTimes(clock, pacer, OP, BURST, signal);
  await clock.advance(clock.now() + 10 * CEILING_GAP);
  const afterAWhile = await grantTimes(clock, pacer, OP, 12, signal);
  assert.equal(afterAWhile.slice(0, 10), Array(10).fill(0), 'ten gaps idle: ten requests at once');
  approx(afterAWhile[10] as number, CEILING_GAP, 'the eleventh waits a gap');
  await clock.advance(clock.now() + 60_000);
  const afterAMinute = await grantTimes(clock, pacer, OP, BURST + 1, signal);
  assert.equal(afterAMinute.slice(0, BURST), Array(BURST).fill(0), 'a minute idle: half a second of requests at once');
  approx(afterAMinute[BURST] as number, CEILING_GAP, 'and no more');
});

pacer('operations are paced separately', async () => {
  const { clock, pacer, signal } = setup();
  const asks = [...Array(BURST + 1).fill('GetKeyPolicy'), ...Array(BURST + 1).fill('DescribeKey')] as const;
  const granted = asks.map((operation) => pacer.slot(operation, signal).then(() => clock.now()));
  await setImmediate();
  await clock.advance();
  const times = await Promise.all(granted);
  // Each operation's request past its burst waits one gap (DescribeKey: 100 req/s x 0.5), not behind the other's.
  assert.is(times[BURST], CEILING_GAP, 'GetKeyPolicy past its burst');
  assert.is(times[2 * BURST + 1], CEILING_GAP, 'DescribeKey past its burst');
  assert.is(times.filter((t) => t === 0).length, 2 * BURST);
});

pacer(
  'a first throttle ends the burst, not the rate: the next request waits a gap, and the rest go evenly',
  async () => {
    const { clock, pacer, signal } = setup();
    await clock.advance(5000);
    pacer.throttled(OP);
    const times = await grantTimes(clock, pacer, OP, 4, signal);
    times.forEach((time, index) => {
      approx(time, (index + 1) * CEILING_GAP, `request ${index} after the throttle`);
    });
    await clock.advance(clock.now() + 60_000);
    const later = await grantTimes(clock, pacer, OP, 3, signal);
    assert.equal(later, [0, CEILING_GAP, 2 * CEILING_GAP], 'a minute idle later, still no burst');
  },
);

pacer('throttles after the first cut the rate by 30%, at most once a second', async () => {
  const { clock, pacer, signal } = setup();
  pacer.throttled(OP);
  allApprox(await steadyGaps(clock, pacer, signal), CEILING_GAP, 'the first throttle keeps the rate');
  await clock.advance(clock.now() + 1000);
  const cut = clock.now();
  pacer.throttled(OP);
  await clock.advance(cut + 999);
  pacer.throttled(OP);
  pacer.throttled(OP);
  allApprox(await steadyGaps(clock, pacer, signal), 1000 / 35, 'throttles within a second of the cut change nothing');

  assert.ok(clock.now() >= cut + 1000);
  pacer.throttled(OP);
  allApprox(await steadyGaps(clock, pacer, signal), 1000 / 24.5, 'a throttle a second later (35 -> 24.5 req/s)');
});

pacer('a throttle cuts only its own operation', async () => {
  const { clock, pacer, signal } = setup();
  pacer.throttled(OP);
  const times = await grantTimes(clock, pacer, 'DescribeKey', BURST + 2, signal);
  assert.equal(times.slice(0, BURST), Array(BURST).fill(0));
  assert.equal(times.slice(BURST), [20, 40]);
});

pacer('successes climb back slowly, up to the ceiling and never above it', async () => {
  const { clock, pacer, signal } = setup();
  for (let i = 0; i < 100; i++) pacer.succeeded(OP);
  allApprox(await steadyGaps(clock, pacer, signal), CEILING_GAP, 'successes at the ceiling');

  await clock.advance(clock.now() + 2000);
  pacer.throttled(OP);
  await clock.advance(clock.now() + 1000);
  pacer.throttled(OP);
  pacer.succeeded(OP);
  allApprox(await steadyGaps(clock, pacer, signal), 1000 / 35.1, 'one success adds a 500th of the ceiling');
  for (let i = 0; i < 9; i++) pacer.succeeded(OP);
  allApprox(await steadyGaps(clock, pacer, signal), 1000 / 36, 'after 10 successes (35 -> 36 req/s)');

  for (let i = 0; i < 139; i++) pacer.succeeded(OP);
  allApprox(await steadyGaps(clock, pacer, signal), 1000 / 49.9, 'one success short of the ceiling');
  for (let i = 0; i < 1000; i++) pacer.succeeded(OP);
  allApprox(await steadyGaps(clock, pacer, signal), CEILING_GAP, 'after many more successes: the ceiling');
});

pacer('work that needs several operations is let in at the pace of the slowest of them', async () => {
  const { signal } = new AbortController();
  const clock = new FakeClock();
  // GetKeyPolicy at 10 req/s x 0.5: a gap of 200 ms, and half a second's worth at once (2.5 requests).
  const pacer = new Pacer({ ...DEFAULT_KMS_RATES, GetKeyPolicy: 10, DescribeKey: 100, ListGrants: 100 }, 0.5, clock);
  const ops = ['DescribeKey', 'GetKeyPolicy', 'ListGrants'] as const;
  const letIn: number[] = [];
  const keys = Array.from({ length: 5 }, async () => {
    await pacer.admit(ops, 0, signal);
    letIn.push(clock.now());
    await Promise.all(ops.map((op) => pacer.slot(op, signal)));
  });
  await setImmediate();
  await clock.advance(2000);
  await Promise.all(keys);
  assert.equal(letIn, [0, 0, 100, 300, 500], 'each as its GetKeyPolicy slot comes, not all at once');
});

pacer('work is let in ahead of its slot by the lookahead, and at once when nothing it needs is paced', async () => {
  const { signal } = new AbortController();
  const clock = new FakeClock();
  const pacer = new Pacer({ ...DEFAULT_KMS_RATES, GetKeyPolicy: 10 }, 0.5, clock);
  await Promise.all(Array.from({ length: 2 }, () => pacer.slot('GetKeyPolicy', signal)));
  // Two slots went at once (the burst); the next is at 100 ms, and with a lookahead of 40 ms the work starts at 60.
  const started = pacer.admit(['GetKeyPolicy'], 40, signal).then(() => clock.now());
  await setImmediate();
  await clock.advance(1000);
  assert.is(await started, 60);
  await Promise.all(Array.from({ length: 100 }, () => pacer.admit(['Decrypt', 'Sign'], 0, signal)));
  assert.is(clock.sleeping, 0);
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
  await Promise.all(Array.from({ length: BURST }, () => pacer.slot(OP, signal)));
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
  // The lowest rate there is: the second slot is ten seconds away, and would be taken (no error) if the abort were not
  // heeded.
  const real = new Pacer({ ...DEFAULT_KMS_RATES, [OP]: 0.1 }, 1);
  const controller = new AbortController();
  await real.slot(OP, controller.signal);
  let error: unknown;
  const waiting = real.slot(OP, controller.signal).catch((caught: unknown) => {
    error = caught;
  });
  await setImmediate();
  assert.is(error, undefined, 'still waiting for its slot');
  controller.abort();
  await deadline(waiting, 'the aborted slot', 5000);
  assert.instance(error, Error);
  assert.is((error as Error).name, 'AbortError');
});

pacer.run();
