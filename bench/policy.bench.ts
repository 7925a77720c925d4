import { fromBuild } from './from-build.js';
import { policyCorpus } from './policy-corpus.js';

// The engine as it ships (compiled by tsc), not as the test loader transpiles it.
const { analyzePolicy } = await fromBuild<typeof import('../src/core/policy/analyze.js')>('core/policy/analyze.js');
const { checkPolicyText } = await fromBuild<typeof import('../src/core/policy/check.js')>('core/policy/check.js');
const { parsePolicyText, parsePolicyValue } =
  await fromBuild<typeof import('../src/core/policy/document.js')>('core/policy/document.js');
const { parseStrictJson } =
  await fromBuild<typeof import('../src/core/policy/json-text.js')>('core/policy/json-text.js');
const { trustZone } = await fromBuild<typeof import('../src/core/trust.js')>('core/trust.js');

/** Policies per second for `fn` over the corpus, best of a few rounds after a warm-up. */
function rate<T>(corpus: readonly T[], fn: (item: T) => unknown): number {
  let best = 0;
  for (let round = 0; round < 6; round++) {
    const start = process.hrtime.bigint();
    for (const text of corpus) fn(text);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (round > 0) best = Math.max(best, corpus.length / seconds);
  }
  return Math.round(best);
}

export function benchPolicy(): Record<string, unknown> {
  const corpus = policyCorpus(20_000);
  const texts = corpus.map((p) => p.text);
  const bytes = texts.map((t) => t.length);
  const parsed = corpus.map((p) => ({ policy: parsePolicyText(p.text), zone: trustZone(p.keyAccount, []) }));
  let findings = 0;
  for (const p of corpus) findings += checkPolicyText(p.text, p.keyAccount, []).findings.length;
  return {
    part: 'policy',
    policies: corpus.length,
    averageBytes: Math.round(bytes.reduce((a, b) => a + b, 0) / corpus.length),
    minBytes: Math.min(...bytes),
    maxBytes: Math.max(...bytes),
    findings,
    policiesPerSecond: rate(corpus, (p) => checkPolicyText(p.text, p.keyAccount, [])),
    breakdownPerSecond: {
      jsonParse: rate(texts, (t) => JSON.parse(t)),
      strictJson: rate(texts, parseStrictJson),
      parseAndValidate: rate(texts, (t) => parsePolicyValue(parseStrictJson(t))),
      analyzeOnly: rate(parsed, (p) => analyzePolicy(p.policy, p.zone)),
    },
  };
}
