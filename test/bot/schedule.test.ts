import { EventEmitter, once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSchedule } from '../../src/adapters/schedule/cron-schedule.js';
import { deadline } from '../helpers/clock.js';

// The bot tests fire scheduled scans themselves (test/helpers/schedule.ts); this is the node-cron one the bot runs.
const schedule = suite('schedule: node-cron calls the bot at the times config.schedule names');

schedule('a schedule calls its tick when its time comes, says when that is, and stops', async () => {
  const ticks = new EventEmitter();
  const every = startSchedule('* * * * * *', 'UTC', (at) => ticks.emit('tick', at));
  try {
    const next = every.next();
    assert.ok(next !== null && !Number.isNaN(Date.parse(next)), `next: ${next}`);
    const [at] = (await deadline(once(ticks, 'tick'), 'the tick of a schedule due every second', 5000)) as [Date];
    assert.instance(at, Date);
  } finally {
    await every.stop();
  }
  assert.is(every.next(), null, 'a stopped schedule fires no more');
});

schedule('the next time is read in the configured timezone', async () => {
  const noon = startSchedule('0 0 12 * * *', 'Asia/Tokyo', () => {});
  try {
    const next = new Date(present(noon.next()));
    assert.is(next.getUTCHours(), 3, 'noon in Tokyo is 03:00 UTC');
  } finally {
    await noon.stop();
  }
});

function present(iso: string | null): string {
  assert.ok(iso !== null);
  return iso;
}

schedule.run();
