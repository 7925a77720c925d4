/**
 * Preloaded by `npm run test:unit` (`node --import tsx --import ./test/helpers/timeout/preload.ts`): test files that
 * import `uvu` get ./uvu.ts instead, whose suites fail a test still running after TEST_TIMEOUT_MS (60 s by default),
 * naming its suite and test, so a hung test fails instead of hanging the run.
 */
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
