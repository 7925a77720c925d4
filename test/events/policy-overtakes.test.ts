import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KeyRead } from '../../src/core/events/read-plan.js';
import { PolicyOvertakes } from '../../src/usecases/events/policy-overtakes.js';

/** Which reads that do not show their event yet are settled at once: only a policy put by a later call overtakes. */
const overtakes = suite('events: a policy put overtaken by a later one is not read again for five minutes');
const ARN = 'arn:aws:kms:us-east-1:111111111111:key/k1';
const read = (...expect: KeyRead['expect']): KeyRead => ({
  key: { arn: ARN, accountId: '111111111111', region: 'us-east-1' } as KeyRead['key'],
  expect,
  handles: ['h'],
  ours: false,
});
const shown = (policy: string, grants: string[] = []) => ({ policy, grantIds: new Set(grants) });

overtakes('a put whose later put was already shown is overtaken; an earlier or equal one is not', () => {
  const o = new PolicyOvertakes();
  assert.is(o.judge(read({ policy: 'P2' }), shown('P2'), 2_000), false, 'P2 shown: noted, not overtaken');
  assert.is(o.judge(read({ policy: 'P1' }), shown('P2'), 1_000), true, 'P1 was put before P2');
  assert.is(o.judge(read({ policy: 'P3' }), shown('P2'), 3_000), false, 'P3 was put after: KMS may lag');
  assert.is(o.judge(read({ policy: 'P1b' }), shown('P2'), 2_000), false, 'the same second: not provably earlier');
});

overtakes('a grant never overtakes a policy, and a put with an unmet grant is read again', () => {
  const o = new PolicyOvertakes();
  assert.is(o.judge(read({ grantPresent: 'g1' }), shown('P0', ['g1']), 5_000), false);
  assert.is(o.judge(read({ policy: 'P1' }), shown('P0', ['g1']), 1_000), false, 'no later policy was shown');
  o.judge(read({ policy: 'P2' }), shown('P2'), 5_000);
  assert.is(o.judge(read({ policy: 'P1' }, { grantPresent: 'g2' }), shown('P2'), 1_000), false, 'g2 not shown yet');
});

overtakes('what is older than the window is forgotten', () => {
  const o = new PolicyOvertakes();
  o.judge(read({ policy: 'P2' }), shown('P2'), 2_000);
  o.forgetBefore(10_000);
  assert.is(o.judge(read({ policy: 'P1' }), shown('P2'), 1_000), false);
});

overtakes.run();
