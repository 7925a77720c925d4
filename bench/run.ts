import { benchDeliver } from './deliver.bench.js';
import { benchEvents } from './events.bench.js';
import { benchPolicy } from './policy.bench.js';
import { benchScan, SCENARIOS } from './scan.bench.js';
import { benchServe } from './serve.bench.js';
import { benchStall } from './stall.bench.js';
import { benchStore } from './store.bench.js';

/** `npm run bench [-- PART...]`: runs each benchmark part and prints one JSON line per part. */
const parts: Record<string, () => Promise<Record<string, unknown>> | Record<string, unknown>> = {
  policy: benchPolicy,
  'scan-quota': () => benchScan(SCENARIOS[0] as (typeof SCENARIOS)[number]),
  'scan-latency': () => benchScan(SCENARIOS[1] as (typeof SCENARIOS)[number]),
  'scan-20k': () => benchScan(SCENARIOS[2] as (typeof SCENARIOS)[number]),
  'scan-60k': () => benchScan(SCENARIOS[3] as (typeof SCENARIOS)[number]),
  'scan-100k': () => benchScan(SCENARIOS[4] as (typeof SCENARIOS)[number]),
  store: benchStore,
  stall: benchStall,
  serve: benchServe,
  deliver: benchDeliver,
  events: benchEvents,
};

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(parts)) {
  const part = parts[name];
  if (part === undefined) {
    console.error(`unknown bench part ${JSON.stringify(name)}; known: ${Object.keys(parts).join(', ')}`);
    process.exitCode = 2;
    break;
  }
  console.log(JSON.stringify(await part()));
}
