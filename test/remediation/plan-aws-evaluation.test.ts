import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planRemediation } from '../../src/core/remediation/plan.js';
import { planLines } from '../../src/core/remediation/render.js';
import type { KeySnapshot } from '../../src/core/scan/types.js';
import { FOREIGN, OWN, ownerStatement } from '../helpers/policy.js';

/** The remediation plan judges with the same engine: what AWS's evaluation narrows is not "public" to it either. */
const plan = suite('remediation plan: statements AWS narrows are left as they are');
const owner = ownerStatement();
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template literal
const RESOURCE_ACCOUNT = '${aws:ResourceAccount}';

function keyOf(...statements: object[]): KeySnapshot {
  return {
    accountId: OWN,
    region: 'us-east-1',
    keyId: 'k1',
    keyArn: `arn:aws:kms:us-east-1:${OWN}:key/k1`,
    aliases: [],
    keyState: 'Enabled',
    multiRegion: false,
    multiRegionKeyType: null,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    grants: [],
  };
}

const everyone = (sid: string, condition: object) => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: ['kms:Encrypt', 'kms:Decrypt'],
  Resource: '*',
  Condition: condition,
});

plan('a key whose open-looking statements AWS narrows has nothing to fix', () => {
  const key = keyOf(
    owner,
    everyone('IfExists', { StringEqualsIfExists: { 'kms:CallerAccount': OWN } }),
    everyone('ResourceAccount', { StringEquals: { 'aws:PrincipalAccount': RESOURCE_ACCOUNT } }),
    everyone('Services', { Bool: { 'aws:PrincipalIsAWSService': 'true' } }),
  );
  const p = planRemediation({ key, trusted: [] });
  assert.equal(p.edits, []);
  assert.equal(p.revocations, []);
});

plan('only the statement that is really open is narrowed; the ones AWS narrows keep their text', () => {
  const ifExists = everyone('IfExists', { StringEqualsIfExists: { 'kms:CallerAccount': OWN } });
  const services = everyone('Services', { Bool: { 'aws:PrincipalIsAWSService': 'true' } });
  const open = everyone('Open', { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abcdef1234' } });
  const p = planRemediation({ key: keyOf(owner, ifExists, services, open), trusted: [] });
  assert.ok(p.ok, planLines(p).join('\n'));
  assert.equal(
    p.edits.map((e) => [e.kind, e.statement]),
    [['narrow', 'Open']],
  );
  const statements = JSON.parse(p.after ?? 'null').Statement;
  assert.equal(statements.slice(0, 3), [owner, ifExists, services]);
  assert.equal(statements[3].Condition.StringEquals, { 'kms:CallerAccount': OWN });
});

plan('narrowing a statement that names the key account through aws:ResourceAccount keeps that account', () => {
  const mixed = everyone('Mixed', { StringEquals: { 'aws:PrincipalAccount': [RESOURCE_ACCOUNT, FOREIGN] } });
  const p = planRemediation({ key: keyOf(owner, mixed), trusted: [] });
  assert.ok(p.ok, planLines(p).join('\n'));
  const narrowed = JSON.parse(p.after ?? 'null').Statement[1];
  assert.equal(narrowed.Condition, { StringEquals: { 'kms:CallerAccount': OWN } });
  const edit = p.edits[0];
  assert.ok(edit?.kind === 'narrow' && edit.removed.includes(FOREIGN) && !edit.removed.includes(RESOURCE_ACCOUNT));
});

plan.run();
