import { checkPolicyText } from '../src/core/policy/check.js';
import { policyCorpus } from './policy-corpus.js';

const corpus = policyCorpus(20000);
for (let r = 0; r < 6; r++) for (const p of corpus) checkPolicyText(p.text, p.keyAccount, []);
