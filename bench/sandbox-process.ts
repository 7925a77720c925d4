import { startSandbox } from '../src/sandbox/index.js';
import { benchWorld, type OrgShape } from './scan-world.js';

/** Runs the sandbox in its own process, so the scanner under test has a core to itself. Prints its env, then serves. */
const shape = JSON.parse(process.argv[2] ?? '{}') as OrgShape;
const sandbox = await startSandbox(benchWorld(shape));
process.stdout.write(`${JSON.stringify(sandbox.env)}\n`);
process.on('message', (message) => {
  if (message === 'stats') process.send?.(sandbox.stats());
});
process.on('disconnect', () => {
  void sandbox.stop().then(() => process.exit(0));
});
