// Mutation testing of the engine (src/core): `npm run mutation`. Run on demand, never in CI (45 to 70 minutes on two
// cores). Every mutant runs the fast tests that judge policies: test/core/*.test.ts and test/cli/check-policy.test.ts
// (uvu matches its pattern against paths under test/). test/core/policy-fuzz.test.ts is left out: it only checks
// that nothing crashes, and on instrumented code it takes ten times as long as every other test together.
// The clear-text report lists each surviving mutant (file:line:column, mutator, original and replacement); the HTML
// report is written to reports/mutation/index.html and the raw results to reports/mutation/mutation.json.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  commandRunner: {
    command:
      'node --import tsx node_modules/uvu/bin.js test "^(core/(?!policy-fuzz)[^/]+|cli/check-policy)\\.test\\.ts$"',
  },
  // check-policy.test.ts also runs the built bin: build the sandbox's (instrumented) sources, so dist/ matches them.
  buildCommand: 'npm run build',
  mutate: ['src/core/**/*.ts'],
  coverageAnalysis: 'off',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'html', 'json', 'progress'],
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportMutants: true },
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Stryker rewrites the sandbox's tsconfig.json through TypeScript's JavaScript API, which TypeScript 7 no longer
  // has. The sandbox needs no rewrite (tsconfig.json only extends a package), so Stryker is pointed at no file.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
